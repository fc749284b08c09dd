// The RESP encoder writes exactly the bytes hiredis's formatter writes.
#include "backends/redis/resp_command.h"

#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "hiredis/hiredis.h"

namespace memgate::backends::redis {
namespace {

std::string HiredisFormat(const std::vector<std::string_view>& argv) {
  std::vector<const char*> pointers;
  std::vector<std::size_t> lengths;
  for (std::string_view arg : argv) {
    pointers.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  char* formatted = nullptr;
  const int length = redisFormatCommandArgv(&formatted, static_cast<int>(argv.size()),
                                            pointers.data(), lengths.data());
  std::string bytes(formatted, static_cast<std::size_t>(length));
  redisFreeCommand(formatted);
  return bytes;
}

TEST(RespCommandTest, MatchesHiredis) {
  const std::string binary("a\r\nb\0c", 6);
  const std::string long_value(1000, 'x');
  const std::string twelve_args[] = {"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"};
  std::vector<std::vector<std::string_view>> cases = {
      {"PING"},
      {"GET", "key"},
      {"HMGET", "pre:key:000000001", "v", "f", "c"},
      {"SET", "", ""},
      {"SET", std::string_view(), std::string_view()},
      {"SET", binary, long_value},
  };
  std::vector<std::string_view> many = {"EVALSHA"};
  for (const std::string& arg : twelve_args) many.push_back(arg);
  cases.push_back(many);
  for (const auto& argv : cases) {
    EXPECT_EQ(FormatCommand(argv).bytes, HiredisFormat(argv)) << argv[0] << " " << argv.size();
  }
}

TEST(RespCommandTest, AppendsAfterWhatIsThere) {
  std::string out = "*1\r\n$4\r\nPING\r\n";
  const std::string_view get[] = {"GET", "k"};
  AppendCommand(out, get);
  EXPECT_EQ(out, "*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
}

TEST(RespCommandTest, KeysCommandMatchesHiredisWithThePrefixedKeys) {
  const std::string binary("a\r\nb\0c", 6);
  const std::string long_key(300, 'k');
  const std::vector<std::vector<std::string_view>> key_sets = {
      {}, {"k"}, {"", binary}, {"one", "two", "three", long_key, "5", "6", "7", "8", "9", "10"}};
  for (std::string_view prefix : {"", "mg:", "{tag}:"}) {
    for (const auto& keys : key_sets) {
      std::vector<std::string> prefixed;
      for (std::string_view key : keys) prefixed.push_back(std::string(prefix) + std::string(key));
      std::vector<std::string_view> argv = {"MGET"};
      argv.insert(argv.end(), prefixed.begin(), prefixed.end());
      EXPECT_EQ(FormatKeysCommand("MGET", prefix, keys).bytes, HiredisFormat(argv))
          << prefix << " " << keys.size();
    }
  }
}

}  // namespace
}  // namespace memgate::backends::redis
