// The effective configuration as a config file: what --check-config prints.
#pragma once

#include <string>

#include "app/config/config.h"

namespace memgate::app {

// Every key of the settings table, defaults included, in the table's order;
// parsing it gives the same settings back.
std::string FormatConfig(const Config& config);

}  // namespace memgate::app
