// The checks and readings that span several settings.
#include "app/config/config.h"

namespace memgate::app {

absl::Status CheckItemSize(const Config& config) {
  if (config.max_item_size < 1024) {
    return absl::OutOfRangeError("Item max size cannot be less than 1024 bytes.");
  }
  if (config.max_item_size > (config.memory_limit_mb << 20) / 2) {
    return absl::OutOfRangeError("Cannot set item size limit higher than 1/2 of memory max.");
  }
  if (config.max_item_size > (std::size_t{1} << 30)) {
    return absl::OutOfRangeError("Cannot set item size limit higher than a gigabyte.");
  }
  return absl::OkStatus();
}

int ExitCodeFor(const absl::Status& status) {
  return status.code() == absl::StatusCode::kOutOfRange ? kMemcachedUsageExit : 2;
}

std::string EffectiveLogLevel(const Config& config) {
  if (!config.log_level.empty()) return config.log_level;
  if (config.verbosity >= 2) return "trace";
  return config.verbosity == 1 ? "debug" : "info";
}

}  // namespace memgate::app
