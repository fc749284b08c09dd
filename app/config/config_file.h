// memgate's YAML config file (--config FILE): the same settings as the flags,
// plus what flags cannot say (listener ids and limits). Flags override the
// file. examples/memgate.yaml documents every key.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "app/config/config.h"

namespace memgate::app {

// Parses a config file's text; `source` names it in errors, which read
// "SOURCE:LINE: KEY: why" (e.g. "memgate.yaml:12: listeners[1].address:
// ..."). INVALID_ARGUMENT for malformed YAML, an unknown key, a value of the
// wrong type or a bad value.
absl::StatusOr<Config> ParseConfigYaml(std::string_view text, std::string_view source);

// Reads and parses `path`; INVALID_ARGUMENT when it cannot be read.
absl::StatusOr<Config> LoadConfigFile(const std::string& path);

// The command line over the config file it names with --config or
// --check-config (none: the flags alone). Run again on a reload to re-read
// the file with the same flags.
absl::StatusOr<Config> LoadConfiguration(const std::vector<std::string>& args);
absl::StatusOr<Config> LoadConfiguration(int argc, const char* const* argv);

}  // namespace memgate::app
