// memgate's command line: memcached's own flags where they make sense (-p -l
// -t -m -I -c -U -u -v), plus the gateway's (--listen, --backend, --admin...),
// every one an entry of app/config/setting_table.h.
#pragma once

#include "absl/status/statusor.h"
#include "app/config/config.h"

namespace memgate::app {

// INVALID_ARGUMENT with a message naming the bad flag; OUT_OF_RANGE for the
// -I refusals memcached makes itself.
absl::StatusOr<Config> ParseCommandLine(int argc, const char* const* argv);
// The same over `base` (the config file's settings): a flag given replaces
// the base's value; listener flags replace the base's listeners, and the
// first of a repeatable flag the base's list.
absl::StatusOr<Config> ParseCommandLine(int argc, const char* const* argv, Config base);

}  // namespace memgate::app
