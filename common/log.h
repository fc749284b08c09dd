// memgate's log: levels, text or JSON lines on stderr, and the optional
// access log (one line per closed client connection). Thread-safe; the data
// path does not log.
#pragma once

#include <atomic>
#include <cstdio>
#include <initializer_list>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace memgate {

enum class LogLevel : int { kError = 0, kWarn, kInfo, kDebug, kTrace };
enum class LogFormat : int { kText, kJson };

// "error", "warn", "info", "debug", "trace"; INVALID_ARGUMENT otherwise.
absl::StatusOr<LogLevel> ParseLogLevel(std::string_view name);
std::string_view LogLevelName(LogLevel level);

// A structured field: JSON writes it as a number when `number` is set, else
// as a string.
struct LogField {
  std::string_view key;
  std::string value;
  bool number = false;
};
LogField Field(std::string_view key, std::string_view value);
LogField Field(std::string_view key, uint64_t value);

// One line, newline included. Text: "memgate: MESSAGE" ("memgate: warning:
// MESSAGE" for warnings), the fields left to JSON, so the messages carry
// what a reader needs. JSON: {"time","level","message","fields":{...}}.
std::string FormatLogLine(LogFormat format, absl::Time time, LogLevel level,
                          std::string_view message, std::initializer_list<LogField> fields);
// An access log line. Text: "TIME key=value ...". JSON: as FormatLogLine's
// fields, flat, with "time".
std::string FormatAccessLine(LogFormat format, absl::Time time,
                             std::initializer_list<LogField> fields);

class Logger {
 public:
  // The process's log.
  static Logger& Get();

  void SetLevel(LogLevel level) { level_.store(static_cast<int>(level)); }
  void SetFormat(LogFormat format) { format_.store(static_cast<int>(format)); }
  LogLevel level() const { return static_cast<LogLevel>(level_.load()); }
  LogFormat format() const { return static_cast<LogFormat>(format_.load()); }
  bool Enabled(LogLevel level) const { return static_cast<int>(level) <= level_.load(); }

  void Log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields = {});

  // Appends to `path`; INVALID_ARGUMENT when it cannot be opened.
  absl::Status OpenAccessLog(const std::string& path);
  bool access_log_open() const;
  void Access(std::initializer_list<LogField> fields);

 private:
  Logger() = default;

  std::atomic<int> level_{static_cast<int>(LogLevel::kInfo)};
  std::atomic<int> format_{static_cast<int>(LogFormat::kText)};
  mutable absl::Mutex mu_;
  std::FILE* access_ ABSL_GUARDED_BY(mu_) = nullptr;
};

inline void LogError(std::string_view message, std::initializer_list<LogField> fields = {}) {
  Logger::Get().Log(LogLevel::kError, message, fields);
}
inline void LogWarn(std::string_view message, std::initializer_list<LogField> fields = {}) {
  Logger::Get().Log(LogLevel::kWarn, message, fields);
}
inline void LogInfo(std::string_view message, std::initializer_list<LogField> fields = {}) {
  Logger::Get().Log(LogLevel::kInfo, message, fields);
}
inline void LogDebug(std::string_view message, std::initializer_list<LogField> fields = {}) {
  Logger::Get().Log(LogLevel::kDebug, message, fields);
}

}  // namespace memgate
