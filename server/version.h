// Version strings: memgate's own, and the memcached protocol level it speaks
// (what `version` and `stats` report, so clients that check the server version
// see a 1.6 protocol).
#pragma once

#ifndef MEMGATE_VERSION
#define MEMGATE_VERSION "0.0.0"
#endif

#define MEMGATE_PROTOCOL_VERSION "1.6.18-memgate-" MEMGATE_VERSION
