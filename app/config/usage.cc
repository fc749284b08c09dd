// Lays the table's flags out in two columns: the flags and the value's name,
// then the help, whose further lines are indented under the first.
#include "app/config/usage.h"

#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "app/config/setting_table.h"
#include "common/absl_compat.h"

namespace memgate::app {
namespace {

constexpr std::size_t kIndent = 2;
constexpr std::size_t kFlagsWidth = 23;  // the help starts at kIndent + kFlagsWidth

constexpr std::string_view kIntroduction = R"(usage: memgate [flags]

memcached-protocol gateway. Listens on 127.0.0.1:11211 with the memory
backend unless told otherwise. Every flag of memcached 1.6 is taken; those
marked (compat) are accepted for compatibility only and log one warning.
)";

void AppendSetting(const Setting& setting, std::string& out) {
  const std::size_t column = kIndent + kFlagsWidth;
  std::string label = std::string(kIndent, ' ') + FlagsLabel(setting);
  // A label that fills the column keeps two spaces before its help.
  if (label.size() < column) {
    label.resize(column, ' ');
  } else {
    label += "  ";
  }
  bool first = true;
  for (absl::string_view line : absl::StrSplit(ToAbsl(setting.help), '\n')) {
    absl::StrAppend(&out, first ? label : std::string(column, ' '), line, "\n");
    first = false;
  }
}

}  // namespace

std::string Usage() {
  std::string out(kIntroduction);
  for (std::string_view group : SettingGroups()) {
    absl::StrAppend(&out, "\n", ToAbsl(group), ":\n");
    for (const Setting& setting : SettingTable()) {
      if (setting.group == group) AppendSetting(setting, out);
    }
  }
  return out;
}

}  // namespace memgate::app
