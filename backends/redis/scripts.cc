// The Lua scripts (see scripts.h). Each touches only KEYS[1], so every write
// is atomic and Cluster-safe. Lua numbers are doubles: counters are decimal
// strings, and memcached mode's cas values stay 8-byte strings.
#include "backends/redis/scripts.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "backends/redis/value_digest.h"
#include "common/absl_compat.h"

namespace memgate::backends::redis {
namespace {

// Expiry kinds the C++ side passes (expiry_args.h): '' keep as created,
// 'p' never, 'r' relative seconds, 'a' unix time, 'x' gone now.
constexpr std::string_view kExpire = R"lua(
local function expire(kind, n)
  if kind == 'r' then redis.call('EXPIRE', k, n)
  elseif kind == 'a' then redis.call('EXPIREAT', k, n)
  elseif kind == 'x' then redis.call('DEL', k)
  elseif kind == 'p' then redis.call('PERSIST', k) end
end
)lua";

// memcached mode's item is a string with a 14-byte header (item_header.h):
// format byte 1, bits, flags (4 bytes), cas (8 bytes). memgate makes every
// cas (cas_clock.h) and passes it in; cas values compare as those 8 bytes.
constexpr std::string_view kMemcachedPrelude = R"lua(
local k = KEYS[1]
local NOTITEM = 'NOTITEM redis key holds a value that is not a memgate item'
local function isitem(v) return #v >= 14 and string.byte(v, 1) == 1 end
local NOFLAGS = string.rep(string.char(0), 4)
)lua";

// Keys of another type are refused by name before anything is touched.
constexpr std::string_view kRawPrelude = R"lua(
local k = KEYS[1]
local kind = redis.call('TYPE', k)['ok']
if kind ~= 'none' and kind ~= 'string' then
  return redis.error_reply('WRONGTYPE Operation against a key holding the wrong kind of value')
end
local exists = kind == 'string'
local function digest(v) return string.sub(redis.sha1hex(v), 1, 15) end
)lua";

// incr/decr in decimal strings: memcached's 64-bit unsigned arithmetic
// (incr wraps, decr floors at 0) and its strtoull parse of the value.
constexpr std::string_view kDecimal = R"lua(
local MAX = '18446744073709551615'
local WRAP = '18446744073709551616'
local function isspace(c)
  return c == ' ' or c == '\t' or c == '\n' or c == '\v' or c == '\f' or c == '\r'
end
local function norm(d)
  d = string.gsub(d, '^0+', '')
  if d == '' then return '0' end
  return d
end
local function cmp(a, b)
  if #a ~= #b then if #a < #b then return -1 else return 1 end end
  if a == b then return 0 end
  if a < b then return -1 end
  return 1
end
local function add(a, b)
  local out, carry, i, j = {}, 0, #a, #b
  while i > 0 or j > 0 or carry > 0 do
    local s = carry
    if i > 0 then s = s + string.byte(a, i) - 48; i = i - 1 end
    if j > 0 then s = s + string.byte(b, j) - 48; j = j - 1 end
    out[#out + 1] = string.char(48 + s % 10)
    carry = math.floor(s / 10)
  end
  return norm(string.reverse(table.concat(out)))
end
local function sub(a, b)
  local out, borrow, i, j = {}, 0, #a, #b
  while i > 0 do
    local s = string.byte(a, i) - 48 - borrow
    if j > 0 then s = s - (string.byte(b, j) - 48); j = j - 1 end
    if s < 0 then s = s + 10; borrow = 1 else borrow = 0 end
    out[#out + 1] = string.char(48 + s)
    i = i - 1
  end
  return norm(string.reverse(table.concat(out)))
end
local function parse(v)
  local i, n = 1, #v
  while i <= n and isspace(string.sub(v, i, i)) do i = i + 1 end
  local neg = false
  local c = string.sub(v, i, i)
  if c == '+' or c == '-' then neg = c == '-'; i = i + 1 end
  local first = i
  while i <= n do
    local b = string.byte(v, i)
    if b < 48 or b > 57 then break end
    i = i + 1
  end
  if i == first then return nil end
  if i <= n and not isspace(string.sub(v, i, i)) then return nil end
  local d = norm(string.sub(v, first, i - 1))
  if cmp(d, MAX) > 0 then return nil end
  if neg and d ~= '0' then
    if cmp(d, '9223372036854775808') <= 0 then return nil end
    d = sub(WRAP, d)
  end
  return d
end
local function arith(op, cur, delta)
  if op == 'i' then
    local r = add(cur, delta)
    if cmp(r, MAX) > 0 then r = sub(r, WRAP) end
    return r
  end
  if cmp(delta, cur) > 0 then return '0' end
  return sub(cur, delta)
end
)lua";

// cas, append and prepend (set, add and replace are plain SETs). ARGV: mode
// (c A P), value, flags (4 bytes), expiry kind, expiry, compare cas (8 bytes,
// '' none), bits, item size limit, new cas (8 bytes).
// Reply: 'S' stored (cas) | {'S', value length} stored (append, prepend) |
// 'N' not stored | 'F' not found | 'E' exists | 'L' too large.
constexpr std::string_view kMcStore = R"lua(
local mode = ARGV[1]
local head = redis.call('GETRANGE', k, 0, 13)
if head == '' then
  if mode == 'c' then return 'F' end
  return 'N'
end
if not isitem(head) then return redis.error_reply(NOTITEM) end
if ARGV[6] ~= '' and string.sub(head, 7, 14) ~= ARGV[6] then return 'E' end
if mode == 'c' then
  redis.call('SET', k, string.char(1) .. ARGV[7] .. ARGV[3] .. ARGV[9] .. ARGV[2])
  expire(ARGV[4], ARGV[5])
  return 'S'
end
local size = redis.call('STRLEN', k) - 14 + #ARGV[2]
if size > tonumber(ARGV[8]) then return 'L' end
if mode == 'A' then
  redis.call('SETRANGE', k, 6, ARGV[9])
  redis.call('APPEND', k, ARGV[2])
else
  local old = redis.call('GET', k)
  redis.call('SET', k, string.sub(old, 1, 6) .. ARGV[9] .. ARGV[2] .. string.sub(old, 15), 'KEEPTTL')
end
return {'S', size}
)lua";

// ARGV: op (i d), delta, compare cas (8 bytes, '' none), vivify ('1'),
// initial, steps (t T N in command order), T kind, T expiry, N kind, N
// expiry, bits, new cas (8 bytes).
// Reply: {'O', value, ttl} | {'F'} | {'E'} | {'X'} non-numeric.
constexpr std::string_view kMcArith = R"lua(
local created = false
local value
local old = redis.call('GET', k)
if not old then
  if ARGV[4] ~= '1' then return {'F'} end
  value = ARGV[5]
  redis.call('SET', k, string.char(1) .. ARGV[11] .. NOFLAGS .. ARGV[12] .. value)
  created = true
else
  if not isitem(old) then return redis.error_reply(NOTITEM) end
  if ARGV[3] ~= '' and string.sub(old, 7, 14) ~= ARGV[3] then return {'E'} end
  local text = string.sub(old, 15)
  local cur = parse(text)
  if cur == nil then return {'X'} end
  value = arith(ARGV[1], cur, ARGV[2])
  -- memcached rewrites a shorter number in place, space padded.
  local stored = value
  if #stored < #text then stored = stored .. string.rep(' ', #text - #stored) end
  redis.call('SET', k, string.sub(old, 1, 6) .. ARGV[12] .. stored, 'KEEPTTL')
end
local ttl = -1
for i = 1, #ARGV[6] do
  local s = string.sub(ARGV[6], i, i)
  if s == 't' then ttl = redis.call('TTL', k)
  elseif s == 'T' then expire(ARGV[7], ARGV[8])
  elseif s == 'N' and created then expire(ARGV[9], ARGV[10]) end
end
return {'O', value, ttl}
)lua";

// ARGV: compare cas (8 bytes). Reply: 'D' | 'F' | 'E'.
constexpr std::string_view kMcDelete = R"lua(
local head = redis.call('GETRANGE', k, 0, 13)
if head == '' then return 'F' end
if not isitem(head) then return redis.error_reply(NOTITEM) end
if string.sub(head, 7, 14) ~= ARGV[1] then return 'E' end
redis.call('DEL', k)
return 'D'
)lua";

// ARGV: expiry kind, expiry. Reply: 1 touched | 0 not found.
constexpr std::string_view kMcTouch = R"lua(
if redis.call('EXISTS', k) == 0 then return 0 end
expire(ARGV[1], ARGV[2])
return 1
)lua";

// mg with TTL steps or vivify: ARGV: steps (t T N), T kind, T expiry, N
// kind, N expiry, vivify ('1'), bits, new cas (8 bytes).
// Reply: {item, ttl, created} | nil.
constexpr std::string_view kMcMetaGet = R"lua(
local created = false
local v = redis.call('GET', k)
if not v then
  if ARGV[6] ~= '1' then return false end
  v = string.char(1) .. ARGV[7] .. NOFLAGS .. ARGV[8]
  redis.call('SET', k, v)
  created = true
elseif not isitem(v) then
  return redis.error_reply(NOTITEM)
end
local ttl = -1
for i = 1, #ARGV[1] do
  local s = string.sub(ARGV[1], i, i)
  if s == 't' then ttl = redis.call('TTL', k)
  elseif s == 'T' then expire(ARGV[2], ARGV[3])
  elseif s == 'N' and created then expire(ARGV[4], ARGV[5]) end
end
local c = 0
if created then c = 1 end
return {v, ttl, c}
)lua";

// ARGV: mode (s a r A P c), value, expiry kind, expiry, compare digest (''
// none), item size limit. Reply as kMcStore, with the value's digest as cas.
constexpr std::string_view kRawStore = R"lua(
local mode = ARGV[1]
if mode == 'a' and exists then return {'N'} end
if (mode == 'r' or mode == 'A' or mode == 'P') and not exists then return {'N'} end
if mode == 'c' and not exists then return {'F'} end
local concat = mode == 'A' or mode == 'P'
if (mode == 'c' or (concat and ARGV[5] ~= '')) and digest(redis.call('GET', k)) ~= ARGV[5] then
  return {'E'}
end
if concat then
  local old = redis.call('GET', k)
  if #old + #ARGV[2] > tonumber(ARGV[6]) then return {'L'} end
  local v
  if mode == 'A' then
    v = old .. ARGV[2]
    redis.call('APPEND', k, ARGV[2])
  else
    v = ARGV[2] .. old
    redis.call('SET', k, v, 'KEEPTTL')
  end
  return {'S', digest(v)}
end
if ARGV[3] == 'x' then
  redis.call('DEL', k)
else
  redis.call('SET', k, ARGV[2])
  expire(ARGV[3], ARGV[4])
end
return {'S', digest(ARGV[2])}
)lua";

// ARGV: op (i d), delta. Reply: {'O', value, digest} | {'F'} | {'X'}.
constexpr std::string_view kRawArith = R"lua(
if not exists then return {'F'} end
local cur = parse(redis.call('GET', k))
if cur == nil then return {'X'} end
local v = arith(ARGV[1], cur, ARGV[2])
redis.call('SET', k, v, 'KEEPTTL')
return {'O', v, digest(v)}
)lua";

// ARGV: compare digest ('' none). Reply: 'D' | 'F' | 'E'.
constexpr std::string_view kRawDelete = R"lua(
if not exists then return 'F' end
if ARGV[1] ~= '' and digest(redis.call('GET', k)) ~= ARGV[1] then return 'E' end
redis.call('DEL', k)
return 'D'
)lua";

// ARGV: expiry kind, expiry. Reply: 1 | 0.
constexpr std::string_view kRawTouch = R"lua(
if not exists then return 0 end
expire(ARGV[1], ARGV[2])
return 1
)lua";

// ARGV: expiry kind, expiry. Reply: the value as it was | nil.
constexpr std::string_view kRawGetTouch = R"lua(
if not exists then return false end
local v = redis.call('GET', k)
expire(ARGV[1], ARGV[2])
return v
)lua";

Script Make(std::string_view name, std::initializer_list<std::string_view> parts) {
  Script script;
  script.name = name;
  for (std::string_view part : parts) script.body.append(part);
  script.sha = Sha1Hex(script.body);
  return script;
}

}  // namespace

const Script& McStoreScript() {
  static const Script script = Make("mc_store", {kMemcachedPrelude, kExpire, kMcStore});
  return script;
}
const Script& McArithScript() {
  static const Script script = Make("mc_arith", {kMemcachedPrelude, kExpire, kDecimal, kMcArith});
  return script;
}
const Script& McDeleteScript() {
  static const Script script = Make("mc_delete", {kMemcachedPrelude, kMcDelete});
  return script;
}
const Script& McTouchScript() {
  static const Script script = Make("mc_touch", {kMemcachedPrelude, kExpire, kMcTouch});
  return script;
}
const Script& McMetaGetScript() {
  static const Script script = Make("mc_meta_get", {kMemcachedPrelude, kExpire, kMcMetaGet});
  return script;
}
const Script& RawStoreScript() {
  static const Script script = Make("raw_store", {kRawPrelude, kExpire, kRawStore});
  return script;
}
const Script& RawArithScript() {
  static const Script script = Make("raw_arith", {kRawPrelude, kDecimal, kRawArith});
  return script;
}
const Script& RawDeleteScript() {
  static const Script script = Make("raw_delete", {kRawPrelude, kRawDelete});
  return script;
}
const Script& RawTouchScript() {
  static const Script script = Make("raw_touch", {kRawPrelude, kExpire, kRawTouch});
  return script;
}
const Script& RawGetTouchScript() {
  static const Script script = Make("raw_get_touch", {kRawPrelude, kExpire, kRawGetTouch});
  return script;
}

std::span<const Script* const> AllScripts() {
  static const Script* const kAll[] = {
      &McStoreScript(),   &McArithScript(),     &McDeleteScript(), &McTouchScript(),
      &McMetaGetScript(), &RawStoreScript(),    &RawArithScript(), &RawDeleteScript(),
      &RawTouchScript(),  &RawGetTouchScript(),
  };
  return kAll;
}

Command FormatEvalSha(const Script& script, std::span<const std::string_view> keys,
                      std::span<const std::string_view> args) {
  const std::string numkeys = absl::StrCat(keys.size());
  std::vector<std::string_view> argv;
  argv.reserve(3 + keys.size() + args.size());
  argv.push_back("EVALSHA");
  argv.push_back(script.sha);
  argv.push_back(numkeys);
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());
  Command command = FormatCommand(argv);
  command.script = &script;
  return command;
}

std::string EvalShaToEval(std::string_view evalsha_bytes, const Script& script) {
  // "*N\r\n" "$7\r\nEVALSHA\r\n" "$40\r\n<sha>\r\n" then the rest, unchanged.
  const std::size_t count_end = evalsha_bytes.find("\r\n") + 2;
  constexpr std::size_t kEvalShaAndSha = 13 + 5 + 40 + 2;
  return absl::StrCat(ToAbsl(evalsha_bytes.substr(0, count_end)), "$4\r\nEVAL\r\n$",
                      script.body.size(), "\r\n", script.body, "\r\n",
                      ToAbsl(evalsha_bytes.substr(count_end + kEvalShaAndSha)));
}

}  // namespace memgate::backends::redis
