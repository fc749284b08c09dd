// The Lua scripts behind every memcached-mode and raw-mode write, each a named
// constant with its SHA1, run by EVALSHA and loaded on every (re)connect.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "backends/redis/resp_command.h"

namespace memgate::backends::redis {

struct Script {
  std::string_view name;
  std::string body;
  std::string sha;  // lowercase hex SHA1 of body, as Redis names it
};

// memcached mode (item_header.h): the writes that read the item first (cas,
// append, prepend, incr/decr, delete with a cas), touch, and mg with TTL
// steps or vivify. get, gat, set, add, replace and delete are plain commands.
const Script& McStoreScript();
const Script& McArithScript();
const Script& McDeleteScript();
const Script& McTouchScript();
const Script& McMetaGetScript();
// raw mode: plain strings; cas is a digest of the value (value_digest.h).
const Script& RawStoreScript();
const Script& RawArithScript();
const Script& RawDeleteScript();
const Script& RawTouchScript();
const Script& RawGetTouchScript();

// Every script above, for SCRIPT LOAD on connect.
std::span<const Script* const> AllScripts();

// EVALSHA script.sha numkeys args...
Command FormatEvalSha(const Script& script, std::span<const std::string_view> keys,
                      std::span<const std::string_view> args);
// The same call as EVAL with the script body: what NOSCRIPT is retried with.
std::string EvalShaToEval(std::string_view evalsha_bytes, const Script& script);

}  // namespace memgate::backends::redis
