// docs/configuration.md, generated from the settings table: a table per
// group of every flag, config file key, default, reload behaviour and help.
#pragma once

#include <string>

namespace memgate::app {

std::string ConfigReference();

}  // namespace memgate::app
