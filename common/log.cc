// Log line formats and the process-wide Logger. Each line goes out in one
// write, so lines from several threads never interleave.
#include "common/log.h"

#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/absl_compat.h"

namespace memgate {
namespace {

constexpr std::string_view kLevelNames[] = {"error", "warn", "info", "debug", "trace"};

void AppendJsonString(std::string& out, std::string_view text) {
  out += '"';
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          absl::StrAppendFormat(&out, "\\u%04x", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

void AppendJsonFields(std::string& out, std::initializer_list<LogField> fields) {
  bool first = true;
  for (const LogField& f : fields) {
    if (!first) out += ',';
    first = false;
    AppendJsonString(out, f.key);
    out += ':';
    if (f.number) {
      out += f.value;
    } else {
      AppendJsonString(out, f.value);
    }
  }
}

std::string Timestamp(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", time, absl::UTCTimeZone());
}

void WriteAll(int fd, const std::string& line) {
  std::size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(fd, line.data() + done, line.size() - done);
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

absl::StatusOr<LogLevel> ParseLogLevel(std::string_view name) {
  for (int i = 0; i < static_cast<int>(std::size(kLevelNames)); ++i) {
    if (kLevelNames[i] == name) return static_cast<LogLevel>(i);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown log level \"", ToAbsl(name), "\" (error, warn, info, debug, trace)"));
}

std::string_view LogLevelName(LogLevel level) { return kLevelNames[static_cast<int>(level)]; }

LogField Field(std::string_view key, std::string_view value) {
  return {.key = key, .value = std::string(value)};
}
LogField Field(std::string_view key, uint64_t value) {
  return {.key = key, .value = absl::StrCat(value), .number = true};
}

std::string FormatLogLine(LogFormat format, absl::Time time, LogLevel level,
                          std::string_view message, std::initializer_list<LogField> fields) {
  std::string out;
  if (format == LogFormat::kText) {
    out = "memgate: ";
    if (level == LogLevel::kWarn) out += "warning: ";
    out += message;
    out += '\n';
    return out;
  }
  out = "{\"time\":";
  AppendJsonString(out, Timestamp(time));
  out += ",\"level\":";
  AppendJsonString(out, LogLevelName(level));
  out += ",\"message\":";
  AppendJsonString(out, message);
  out += ",\"fields\":{";
  AppendJsonFields(out, fields);
  out += "}}\n";
  return out;
}

std::string FormatAccessLine(LogFormat format, absl::Time time,
                             std::initializer_list<LogField> fields) {
  std::string out;
  if (format == LogFormat::kText) {
    out = Timestamp(time);
    for (const LogField& f : fields) absl::StrAppend(&out, " ", ToAbsl(f.key), "=", f.value);
    out += '\n';
    return out;
  }
  out = "{\"time\":";
  AppendJsonString(out, Timestamp(time));
  if (fields.size() > 0) out += ',';
  AppendJsonFields(out, fields);
  out += "}\n";
  return out;
}

Logger& Logger::Get() {
  static Logger* const logger = new Logger();
  return *logger;
}

void Logger::Log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields) {
  if (!Enabled(level)) return;
  WriteAll(STDERR_FILENO, FormatLogLine(format(), absl::Now(), level, message, fields));
}

absl::Status Logger::OpenAccessLog(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "a");
  if (file == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("--access-log: cannot open ", path));
  }
  absl::MutexLock lock(&mu_);
  if (access_ != nullptr) std::fclose(access_);
  access_ = file;
  return absl::OkStatus();
}

bool Logger::access_log_open() const {
  absl::MutexLock lock(&mu_);
  return access_ != nullptr;
}

void Logger::Access(std::initializer_list<LogField> fields) {
  const std::string line = FormatAccessLine(format(), absl::Now(), fields);
  absl::MutexLock lock(&mu_);
  if (access_ == nullptr) return;
  std::fwrite(line.data(), 1, line.size(), access_);
  std::fflush(access_);
}

}  // namespace memgate
