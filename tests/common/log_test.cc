// Log line formats: text keeps memgate's "memgate: ..." lines, JSON is one
// object per line with escaped strings and numeric fields.
#include "common/log.h"

#include "gtest/gtest.h"

namespace memgate {
namespace {

const absl::Time kTime = absl::FromUnixMillis(1700000000123);

TEST(LogTest, TextLines) {
  EXPECT_EQ(FormatLogLine(LogFormat::kText, kTime, LogLevel::kInfo, "ready", {Field("a", "b")}),
            "memgate: ready\n");
  EXPECT_EQ(FormatLogLine(LogFormat::kText, kTime, LogLevel::kWarn, "slow", {}),
            "memgate: warning: slow\n");
  EXPECT_EQ(FormatLogLine(LogFormat::kText, kTime, LogLevel::kError, "bad flag", {}),
            "memgate: bad flag\n");
}

TEST(LogTest, JsonLines) {
  EXPECT_EQ(FormatLogLine(LogFormat::kJson, kTime, LogLevel::kWarn, "say \"hi\"\\\n\x01",
                          {Field("peer", "127.0.0.1:1"), Field("client", uint64_t{7})}),
            "{\"time\":\"2023-11-14T22:13:20.123Z\",\"level\":\"warn\","
            "\"message\":\"say \\\"hi\\\"\\\\\\n\\u0001\","
            "\"fields\":{\"peer\":\"127.0.0.1:1\",\"client\":7}}\n");
  EXPECT_EQ(FormatLogLine(LogFormat::kJson, kTime, LogLevel::kInfo, "m", {}),
            "{\"time\":\"2023-11-14T22:13:20.123Z\",\"level\":\"info\",\"message\":\"m\","
            "\"fields\":{}}\n");
}

TEST(LogTest, AccessLines) {
  EXPECT_EQ(FormatAccessLine(LogFormat::kText, kTime,
                             {Field("client", uint64_t{3}), Field("reason", "idle")}),
            "2023-11-14T22:13:20.123Z client=3 reason=idle\n");
  EXPECT_EQ(FormatAccessLine(LogFormat::kJson, kTime,
                             {Field("client", uint64_t{3}), Field("reason", "idle")}),
            "{\"time\":\"2023-11-14T22:13:20.123Z\",\"client\":3,\"reason\":\"idle\"}\n");
}

TEST(LogTest, Levels) {
  for (LogLevel level :
       {LogLevel::kError, LogLevel::kWarn, LogLevel::kInfo, LogLevel::kDebug, LogLevel::kTrace}) {
    absl::StatusOr<LogLevel> parsed = ParseLogLevel(LogLevelName(level));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, level);
  }
  EXPECT_FALSE(ParseLogLevel("verbose").ok());
  Logger& logger = Logger::Get();
  logger.SetLevel(LogLevel::kWarn);
  EXPECT_TRUE(logger.Enabled(LogLevel::kError));
  EXPECT_TRUE(logger.Enabled(LogLevel::kWarn));
  EXPECT_FALSE(logger.Enabled(LogLevel::kInfo));
  logger.SetLevel(LogLevel::kInfo);
}

}  // namespace
}  // namespace memgate
