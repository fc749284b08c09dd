// memgate --help, generated from the settings table.
#pragma once

#include <string>

namespace memgate::app {

// Every setting's flags and help, group by group.
std::string Usage();

}  // namespace memgate::app
