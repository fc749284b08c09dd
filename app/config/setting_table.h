// The one table of memgate's settings: each setting's flags, config file key,
// help, reload behaviour and how its value is read and printed. The flag
// parser, the config file reader, --help, --check-config, the reload report
// and docs/configuration.md are all generated from it, so adding a setting
// is a field in Config (config.h) and one entry in the table
// (setting_table.cc); a key in the config file also needs its line in
// examples/memgate.yaml, which a test checks.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "app/config/config.h"

namespace memgate::app {

// Where a value comes from. The file is checked a little more eagerly (a
// bad backend name is reported with its line) and may write a default the
// flag refuses (threads: 0), as --check-config prints it.
enum class Origin : uint8_t { kFlag, kFile };

struct Input {
  std::string_view name;  // the flag as typed, or the file's key
  std::string_view text;  // the value; empty for a flag without one
  Origin origin;
};

// The listeners as --check-config prints them: the flags' addresses, then
// the file's listeners with their ids and limits.
struct ListenerValues {
  std::vector<std::string> addresses;
  std::vector<ListenerConfig> listeners;

  bool operator==(const ListenerValues&) const = default;
};

// A setting's value as --check-config prints it and a reload compares it.
using Value = std::variant<std::string, int64_t, bool, std::vector<std::string>,
                           std::vector<int64_t>, ListenerValues>;

enum class Shape : uint8_t {
  kSwitch,     // a flag without a value; true or false in the file
  kScalar,     // one value
  kList,       // a repeatable flag, a list in the file; the first flag replaces the file's list
  kListeners,  // the file's list of listener maps (its flag gives addresses)
};

enum class Reload : uint8_t {
  kLive,         // a reload applies it
  kRestart,      // a reload reports the change and keeps the running value
  kCommandLine,  // only on the command line, which a reload keeps
};

// How a setting reads its value into a Config and reads it back.
struct SettingField {
  Shape shape = Shape::kScalar;
  // INVALID_ARGUMENT with why the value is refused (the caller names the
  // flag or the key).
  std::function<absl::Status(const Input&, Config&)> set;
  // kList: empties the list before the first flag replaces it.
  std::function<void(Config&)> clear;
  // Empty for a setting that is not in the config file.
  std::function<Value(const Config&)> value;
  // kList: what the file's list holds, for "expects a list of ...".
  std::string_view elements;
};

struct Setting {
  std::string_view group;       // a title of SettingGroups()
  std::string_view flags;       // every name, e.g. "-p, --port"
  std::string_view value_name;  // "PORT" in --help; empty for a switch
  std::string_view key;         // the config file's dotted key; empty: the command line only
  std::string_view help;        // --help's lines, '\n' between them
  Reload reload = Reload::kCommandLine;
  // The name a reload report gives a restart-only change; empty: the key.
  std::string_view reported_as;
  // A listener flag: the first one replaces the file's listeners.
  bool listener = false;
  SettingField field;
};

// In the order --check-config prints the file's keys; within a group, the
// order of --help.
const std::vector<Setting>& SettingTable();

// The groups' titles, in --help's order.
const std::vector<std::string_view>& SettingGroups();

// The setting a flag name ("-p", "--port") or a file key belongs to; null
// for none.
const Setting* FindFlag(std::string_view name);
const Setting* FindKey(std::string_view key);

// The names in `setting.flags`.
std::vector<std::string_view> FlagNames(const Setting& setting);

// A refusal of part of a flag's value (an -o sub-option), which the flag
// parser names as `subject` ("-o idle_timeout") instead of by the flag.
absl::Status RefusePart(std::string_view subject, std::string_view why);
// RefusePart's subject; empty for any other status.
std::string RefusedPart(const absl::Status& status);

// --help's left column: the flags and the value's name.
std::string FlagsLabel(const Setting& setting);

// A value as a config file writes it ("" for an empty text).
std::string ValueText(const Value& value);

}  // namespace memgate::app
