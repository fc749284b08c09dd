// The config file reader: each key's value goes straight into its setting
// through the table, so a file and a command line accept and refuse exactly
// the same values; yaml-cpp's exceptions stop here.
#include "app/config/config_file.h"

#include <algorithm>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "app/config/command_line.h"
#include "app/config/setting_table.h"
#include "common/absl_compat.h"
#include "server/address.h"
#include "yaml-cpp/yaml.h"

namespace memgate::app {
namespace {

constexpr std::size_t kMaxListenerIdLength = 63;

class Reader {
 public:
  Reader(std::string_view source, Config& config) : source_(source), config_(config) {}

  absl::Status Read(const YAML::Node& root) {
    if (root.IsNull()) return absl::OkStatus();  // an empty file: defaults
    if (!root.IsMap()) return Error(root, "", "the file must be a map of settings");
    if (absl::Status status = ReadMap(root, ""); !status.ok()) return status;
    // memcached's -I checks weigh limits.max_item_size against
    // limits.memory_mb, whichever comes first in the file.
    if (absl::Status status = CheckItemSize(config_); !status.ok()) {
      return Error(limits_mark_, limits_key_, FromAbsl(status.message()));
    }
    return absl::OkStatus();
  }

 private:
  absl::Status Error(const YAML::Node& at, std::string_view key, std::string_view why) const {
    return Error(at.Mark(), key, why);
  }
  absl::Status Error(const YAML::Mark& mark, std::string_view key, std::string_view why) const {
    std::string where = absl::StrCat(ToAbsl(source_), ":", mark.line + 1, ": ");
    if (!key.empty()) absl::StrAppend(&where, ToAbsl(key), ": ");
    return absl::InvalidArgumentError(absl::StrCat(where, ToAbsl(why)));
  }

  // A scalar's text, or an error for a map, a list or nothing.
  absl::StatusOr<std::string> Scalar(const YAML::Node& node, std::string_view key) const {
    // A missing value is reported on its key's line, not the next one.
    if (node.IsNull()) return Error(key_mark_, key, "has no value");
    if (!node.IsScalar()) return Error(node, key, "expects a single value, not a list or map");
    return node.Scalar();
  }

  absl::Status ReadMap(const YAML::Node& map, std::string_view prefix) {
    for (auto it = map.begin(); it != map.end(); ++it) {
      if (!it->first.IsScalar()) return Error(it->first, prefix, "keys must be names");
      const std::string key = prefix.empty()
                                  ? it->first.Scalar()
                                  : absl::StrCat(ToAbsl(prefix), ".", it->first.Scalar());
      if (!seen_.insert(key).second) return Error(it->first, key, "given twice");
      key_mark_ = it->first.Mark();
      absl::Status status = ReadKey(it->first, it->second, key);
      if (!status.ok()) return status;
    }
    return absl::OkStatus();
  }

  absl::Status ReadKey(const YAML::Node& key_node, const YAML::Node& value,
                       const std::string& key) {
    if (const Setting* setting = FindKey(key)) return Apply(*setting, value, key);
    const std::string section = key + ".";
    for (const Setting& setting : SettingTable()) {
      if (!setting.key.starts_with(section)) continue;
      if (!value.IsMap()) return Error(value, key, "expects a map of settings");
      return ReadMap(value, key);
    }
    return Error(key_node, key, "unknown key");
  }

  absl::Status Set(const Setting& setting, const std::string& text, const YAML::Node& at,
                   std::string_view key) {
    absl::Status status =
        setting.field.set({.name = key, .text = text, .origin = Origin::kFile}, config_);
    if (!status.ok()) return Error(at, key, FromAbsl(status.message()));
    return absl::OkStatus();
  }

  absl::Status Apply(const Setting& setting, const YAML::Node& value, const std::string& key) {
    switch (setting.field.shape) {
      case Shape::kListeners:
        return ReadListeners(value);
      case Shape::kSwitch:
        if (!value.IsScalar()) return Error(value, key, "expects true or false");
        return Set(setting, value.Scalar(), value, key);
      case Shape::kList: {
        if (!value.IsSequence()) {
          return Error(value, key,
                       setting.field.elements.empty()
                           ? std::string("expects a list")
                           : absl::StrCat("expects a list of ", ToAbsl(setting.field.elements)));
        }
        std::size_t i = 0;
        for (const YAML::Node& element : value) {
          const std::string element_key = absl::StrCat(key, "[", i++, "]");
          absl::StatusOr<std::string> text = Scalar(element, element_key);
          if (!text.ok()) return text.status();
          if (absl::Status s = Set(setting, *text, element, element_key); !s.ok()) return s;
        }
        return absl::OkStatus();
      }
      case Shape::kScalar:
        break;
    }
    absl::StatusOr<std::string> text = Scalar(value, key);
    if (!text.ok()) return text.status();
    if (key == "limits.max_item_size" || key == "limits.memory_mb") {
      limits_key_ = key;
      limits_mark_ = value.Mark();
    }
    return Set(setting, *text, value, key);
  }

  absl::Status ReadListeners(const YAML::Node& list) {
    if (!list.IsSequence()) return Error(list, "listeners", "expects a list of listeners");
    std::size_t i = 0;
    for (const YAML::Node& item : list) {
      const std::string key = absl::StrCat("listeners[", i++, "]");
      if (!item.IsMap()) return Error(item, key, "expects a map with an address");
      ListenerConfig listener;
      bool has_address = false;
      for (auto it = item.begin(); it != item.end(); ++it) {
        const std::string name = it->first.Scalar();
        const std::string field = absl::StrCat(key, ".", name);
        const YAML::Node value = it->second;
        key_mark_ = it->first.Mark();
        absl::StatusOr<std::string> text = Scalar(value, field);
        if (name != "id" && name != "address" && name != "max_clients" && name != "idle_timeout") {
          return Error(it->first, field, "unknown key");
        }
        if (!text.ok()) return text.status();
        if (name == "id") {
          if (absl::Status s = CheckListenerId(*text, value, field); !s.ok()) return s;
          listener.id = *text;
        } else if (name == "address") {
          if (absl::StatusOr<server::Endpoint> e = server::ResolveAddress(*text); !e.ok()) {
            return Error(value, field, FromAbsl(e.status().message()));
          }
          listener.address = *text;
          has_address = true;
        } else if (name == "max_clients") {
          if (!absl::SimpleAtoi(*text, &listener.max_clients)) {
            return Error(value, field,
                         absl::StrCat("\"", *text, "\" is not a number from 0 to ",
                                      std::numeric_limits<uint32_t>::max()));
          }
        } else {
          if (!absl::ParseDuration(*text, &listener.idle_timeout) ||
              listener.idle_timeout < absl::ZeroDuration()) {
            return Error(value, field, "expects a duration like 300s or 5m (0: never)");
          }
        }
      }
      if (!has_address) return Error(item, key, "needs an address");
      config_.listeners.push_back(std::move(listener));
    }
    return absl::OkStatus();
  }

  absl::Status CheckListenerId(const std::string& id, const YAML::Node& at,
                               std::string_view key) const {
    const bool valid = !id.empty() && id.size() <= kMaxListenerIdLength &&
                       std::all_of(id.begin(), id.end(), [](char c) {
                         return absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.';
                       });
    if (!valid) {
      return Error(at, key, "expects letters, digits, '-', '_' or '.' (at most 63)");
    }
    for (const ListenerConfig& other : config_.listeners) {
      if (other.id == id) return Error(at, key, absl::StrCat("listener \"", id, "\" given twice"));
    }
    return absl::OkStatus();
  }

  const std::string_view source_;
  Config& config_;
  std::set<std::string> seen_;
  YAML::Mark key_mark_;
  // The later of limits.max_item_size and limits.memory_mb, which the -I
  // checks are reported on.
  std::string limits_key_ = "limits.max_item_size";
  YAML::Mark limits_mark_;
};

}  // namespace

absl::StatusOr<Config> ParseConfigYaml(std::string_view text, std::string_view source) {
  Config config;
  try {
    YAML::Node root = YAML::Load(std::string(text));
    absl::Status status = Reader(source, config).Read(root);
    if (!status.ok()) return status;
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(source), ":", e.mark.line + 1, ": ", e.msg));
  }
  return config;
}

absl::StatusOr<Config> LoadConfigFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::InvalidArgumentError(absl::StrCat(path, ": cannot read the config file"));
  std::stringstream text;
  text << in.rdbuf();
  return ParseConfigYaml(text.str(), path);
}

absl::StatusOr<Config> LoadConfiguration(const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  for (const std::string& arg : args) argv.push_back(arg.c_str());
  return LoadConfiguration(static_cast<int>(argv.size()), argv.data());
}

absl::StatusOr<Config> LoadConfiguration(int argc, const char* const* argv) {
  absl::StatusOr<Config> flags = ParseCommandLine(argc, argv);
  if (!flags.ok() || flags->config_file.empty()) return flags;
  absl::StatusOr<Config> file = LoadConfigFile(flags->config_file);
  if (!file.ok()) return file.status();
  return ParseCommandLine(argc, argv, *std::move(file));
}

}  // namespace memgate::app
