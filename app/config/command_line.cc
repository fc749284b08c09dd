// Command-line parsing over the settings table. Hand-written because
// memcached's short flags (-p 11211, -p11211, -vv) do not fit absl::flags.
#include "app/config/command_line.h"

#include <optional>
#include <set>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "app/config/setting_table.h"
#include "common/absl_compat.h"

namespace memgate::app {
namespace {

absl::Status Bad(std::string_view flag, std::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(ToAbsl(flag), ": ", ToAbsl(why), " (see --help)"));
}

// -l/-p keep memcached's meaning; with neither, and no --listen or
// --listen-fd, memgate listens on 127.0.0.1:11211 (loopback, unlike
// memcached's all-interfaces default). -s replaces the TCP listeners, as in
// memcached ("disables network support").
void CombineListeners(Config& config) {
  std::vector<std::string> addresses = std::move(config.listen_addresses);
  const std::optional<uint32_t> port = config.port;
  config.listen_addresses.clear();
  config.port.reset();
  if (!config.unix_socket.empty()) {
    config.listeners.clear();
    config.listen.push_back(absl::StrCat("unix:", config.unix_socket));
    return;
  }
  const bool explicit_listeners =
      !config.listen.empty() || !config.listen_fds.empty() || !config.listeners.empty();
  if (!port.has_value() && addresses.empty() && explicit_listeners) return;
  if (addresses.empty()) addresses.emplace_back("127.0.0.1");
  for (const std::string& a : addresses) {
    if (a.starts_with("unix:")) {
      config.listen.push_back(a);
    } else if (a.find(':') != std::string::npos && !a.starts_with("[")) {
      config.listen.push_back(absl::StrCat("[", a, "]:", port.value_or(11211)));
    } else {
      config.listen.push_back(absl::StrCat(a, ":", port.value_or(11211)));
    }
  }
}

}  // namespace

absl::StatusOr<Config> ParseCommandLine(int argc, const char* const* argv) {
  return ParseCommandLine(argc, argv, Config{});
}

absl::StatusOr<Config> ParseCommandLine(int argc, const char* const* argv, Config base) {
  Config config = std::move(base);
  config.args.assign(argv, argv + argc);
  config.port.reset();
  config.listen_addresses.clear();
  std::set<const Setting*> lists_replaced;

  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    std::string_view name = arg;
    std::optional<std::string_view> inline_value;
    if (arg.starts_with("--")) {
      if (size_t eq = arg.find('='); eq != std::string_view::npos) {
        name = arg.substr(0, eq);
        inline_value = arg.substr(eq + 1);
      }
    } else if (arg.starts_with("-") && arg.size() > 2 && arg != "-vv" && arg != "-vvv") {
      // memcached also takes "-p11211".
      name = arg.substr(0, 2);
      inline_value = arg.substr(2);
    }
    const Setting* setting = FindFlag(name);
    if (setting == nullptr) return Bad(arg, "unknown flag");
    Input input{.name = name, .origin = Origin::kFlag};
    if (setting->field.shape != Shape::kSwitch) {
      if (inline_value) {
        input.text = *inline_value;
      } else if (i + 1 < argc) {
        input.text = argv[++i];
      } else {
        return Bad(name, "needs a value");
      }
    }
    // The first listener flag replaces the config file's listeners, the
    // first of a repeatable flag the file's list.
    if (setting->listener && !config.listeners_from_flags) {
      config.listeners_from_flags = true;
      config.listen.clear();
      config.listen_fds.clear();
      config.listeners.clear();
    }
    if (setting->field.shape == Shape::kList && lists_replaced.insert(setting).second) {
      setting->field.clear(config);
    }
    if (absl::Status status = setting->field.set(input, config); !status.ok()) {
      const std::string part = RefusedPart(status);
      return Bad(part.empty() ? name : part, FromAbsl(status.message()));
    }
  }

  if (absl::Status status = CheckItemSize(config); !status.ok()) return status;
  CombineListeners(config);
  return config;
}

}  // namespace memgate::app
