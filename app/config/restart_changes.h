// What a reload cannot apply: the restart-only settings that differ between
// the running configuration and the re-read one.
#pragma once

#include <string>
#include <vector>

#include "app/config/config.h"

namespace memgate::app {

// The names a reload report gives the changed settings ("backend",
// "limits.memory_mb"), in the settings table's order, each name once.
std::vector<std::string> RestartOnlyChanges(const Config& running, const Config& next);

}  // namespace memgate::app
