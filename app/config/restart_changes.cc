// Compares the settings the table marks Reload::kRestart by their printed
// values, so a setting added to the table is covered without an edit here.
#include "app/config/restart_changes.h"

#include <algorithm>

#include "app/config/setting_table.h"

namespace memgate::app {

std::vector<std::string> RestartOnlyChanges(const Config& running, const Config& next) {
  std::vector<std::string> changed;
  for (const Setting& setting : SettingTable()) {
    if (setting.reload != Reload::kRestart) continue;
    if (setting.field.value(running) == setting.field.value(next)) continue;
    const std::string name(setting.reported_as.empty() ? setting.key : setting.reported_as);
    if (std::find(changed.begin(), changed.end(), name) == changed.end()) changed.push_back(name);
  }
  return changed;
}

}  // namespace memgate::app
