// Version strings: memgate's own, and the memcached release whose protocol it
// follows. `version` and `stats` report the memcached release exactly as
// memcached does, since clients parse it; memgate's own version is in
// `stats` (memgate_version), `--version` and the admin API.
#pragma once

#ifndef MEMGATE_VERSION
#define MEMGATE_VERSION "0.0.0"
#endif

#define MEMGATE_PROTOCOL_VERSION "1.6.45"
