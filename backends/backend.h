// The contract every storage adapter implements with full memcached
// semantics: one asynchronous call per operation, classic and meta commands
// alike (the meta fields of a request are optional), each answering with an
// outcome enum of its own.
//
// Asynchrony: `done` runs exactly once, inline (before the call returns) or
// later on any thread. A backend that knows the client's event loop
// (ClientContext::loop) may complete there to spare the server a hop.
//
// Borrowing: every string_view and span in a request is valid only for the
// duration of the call; a backend that completes later copies what it needs
// first. The ClientContext, by contrast, stays valid until `done` has run or
// been destroyed, so a backend may keep a pointer to it instead of a copy.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "backends/client_context.h"
#include "backends/hit_owner.h"

namespace memgate::backends {

// A failure of the backend itself (unreachable, timed out, refused). The client
// gets "SERVER_ERROR <message>"; close_connection asks the server to drop the
// client after that reply (the seed's -2).
struct BackendError {
  std::string message;
  bool close_connection = false;
};

// What a backend can do, stated once. The server refuses what a backend
// cannot do with a clear CLIENT_ERROR before calling it, so no backend
// answers a meta flag it cannot keep with a guess.
struct Capabilities {
  // mg ms md ma (with v f c t T N s k O q b, ms modes, C): the backend keeps
  // flags, expiry and cas per item.
  bool meta_commands = false;
  // mg h and l, me's fetch= and la=: whether an item was fetched and when it
  // was last accessed.
  bool access_state = false;
  // mg R, ms I, md I and the W X Z reply flags: memcached's stale and
  // recache-token bits.
  bool recache_state = false;
  // The meta E flag: an item the command changes takes the cas value the
  // client chose instead of one the backend makes (the explicit_cas fields
  // below). Without it the server refuses E.
  bool explicit_cas = false;
  // Calls issued back to back for one client take effect in issue order even
  // before earlier ones complete, so the server pipelines a client's
  // commands. When false it waits for each completion before the next call.
  bool in_order = false;
};

// One found item. key and value stay valid while `owner` is held, so a
// backend can hand out its own storage without copying.
struct Hit {
  std::string_view key;
  std::string_view value;
  uint32_t flags = 0;
  uint64_t cas = 0;
  HitOwner owner;
};

enum class StoreMode : uint8_t { kSet, kAdd, kReplace, kAppend, kPrepend, kCas };
enum class ArithOp : uint8_t { kIncr, kDecr };

// The steps of a meta command that act in command order: 't' reports the
// remaining TTL, 'T' sets a new one, 'N' sets the TTL of an item the command
// created, 'R' checks for a recache win. memcached applies them in the order
// the client gave them, so `t` before `T` reports the old TTL.
struct MetaSteps {
  char order[4] = {};
  uint8_t count = 0;
  void Add(char step) { order[count++] = step; }
};

// --- get, gets, gat, gats, mg, me ----------------------------------------------

// What mg (and me) ask beyond a plain get. Every exptime here is raw (the
// client's number; see backends/expiry.h).
struct MetaGetFields {
  bool no_bump = false;       // u: no LRU bump, no access time or fetched update
  bool key_binary = false;    // b: recorded on a vivified item
  bool vivify = false;        // N: create an empty item on a miss
  int64_t ttl = 0;            // T
  int64_t vivify_ttl = 0;     // N
  int64_t recache_ttl = 0;    // R
  uint64_t explicit_cas = 0;  // E: a vivified item's cas; 0 = the backend's own
  MetaSteps steps;            // t T N R, in command order
};

struct GetRequest {
  std::span<const std::string_view> keys;  // meta: exactly one
  bool with_cas = false;                   // the caller will use Hit::cas
  std::optional<int64_t> touch_exptime;    // gat/gats: the new raw exptime of each hit
  std::optional<MetaGetFields> meta;       // mg/me
};

// What mg reports of its item beyond the Hit (meta requests with a hit only).
struct MetaItemReport {
  int64_t ttl = -1;             // at the 't' step: seconds left, -1 = never
  int64_t idle_seconds = 0;     // l: since the previous access
  bool fetched_before = false;  // h
  bool won = false;             // W
  bool stale = false;           // X
  bool token_sent = false;      // Z: another client already won
  bool key_binary = false;      // the item was stored with a base64 key
};

enum class GetOutcome : uint8_t { kOk, kError };

struct GetResult {
  GetOutcome outcome = GetOutcome::kOk;
  std::vector<Hit> hits;  // found keys only, in request order (a vivified item counts)
  MetaItemReport meta;    // meta requests with a hit
  BackendError error;     // kError
};

// --- set, add, replace, append, prepend, cas, ms ------------------------------

struct StoreRequest {
  StoreMode mode = StoreMode::kSet;
  std::string_view key;
  std::string_view value;
  uint32_t flags = 0;
  int64_t exptime = 0;        // raw; append/prepend keep the item's flags and exptime
  uint64_t cas = 0;           // kCas: the compare value; append/prepend: non-zero must match (ms C)
  bool invalidate = false;    // ms I: with kCas, an older cas stores the value as stale
  bool key_binary = false;    // ms b
  uint64_t explicit_cas = 0;  // ms E: the stored item's cas; 0 = the backend's own
};

enum class StoreOutcome : uint8_t {
  kStored,
  kNotStored,  // add found the key; replace/append/prepend did not
  kExists,     // the cas did not match
  kNotFound,   // cas on a missing key
  kTooLarge,   // the item (or an append's result) exceeds the item size limit
  kNoMemory,   // no room could be made for the item
  kError,
};

struct StoreResult {
  StoreOutcome outcome = StoreOutcome::kStored;
  uint64_t cas = 0;  // the item's new cas when stored
  // When stored, by a backend with meta_commands: the item's value length
  // (ms s), which for append and prepend is the whole joined value.
  uint64_t value_size = 0;
  BackendError error;
};

// --- delete, md -----------------------------------------------------------------

struct DeleteRequest {
  std::string_view key;
  std::optional<uint64_t> compare_cas;  // md C
  bool invalidate = false;              // md I: mark stale and bump the cas instead
  std::optional<int64_t> ttl;           // md T (with I): raw exptime
  uint64_t explicit_cas = 0;  // md E (with I): the stale item's cas; 0 = the backend's own
};

enum class DeleteOutcome : uint8_t {
  kDeleted,  // also when invalidated
  kNotFound,
  kExists,  // the cas did not match
  kError,
};

struct DeleteResult {
  DeleteOutcome outcome = DeleteOutcome::kDeleted;
  BackendError error;
};

// --- incr, decr, ma -------------------------------------------------------------

struct ArithRequest {
  ArithOp op = ArithOp::kIncr;
  std::string_view key;
  uint64_t delta = 1;
  uint64_t compare_cas = 0;   // ma C; 0 = no compare
  bool vivify = false;        // ma N: create with `initial` on a miss
  uint64_t initial = 0;       // ma J
  int64_t ttl = 0;            // ma T: raw exptime
  int64_t vivify_ttl = 0;     // ma N: raw exptime
  uint64_t explicit_cas = 0;  // ma E: the changed item's cas; 0 = the backend's own
  MetaSteps steps;            // t T N, in command order
};

enum class ArithOutcome : uint8_t {
  kOk,
  kNotFound,
  kExists,      // the cas did not match
  kNonNumeric,  // the value is not a decimal number
  kNoMemory,    // the grown value found no room; the old value stays
  kError,
};

// incr wraps at 2^64; decr floors at 0 (backends/arith.h).
struct ArithResult {
  ArithOutcome outcome = ArithOutcome::kOk;
  uint64_t value = 0;  // the new value (or the initial one when created)
  uint64_t cas = 0;
  int64_t ttl = -1;  // at the 't' step
  BackendError error;
};

// --- touch, flush_all ------------------------------------------------------------

struct TouchRequest {
  std::string_view key;
  int64_t exptime = 0;  // raw
};

enum class TouchOutcome : uint8_t { kTouched, kNotFound, kError };

struct TouchResult {
  TouchOutcome outcome = TouchOutcome::kTouched;
  BackendError error;
};

struct FlushRequest {
  // > 0: items stored before now become invalid at now + delay (the exptime
  // rule: up to 30 days is relative, larger is a unix time).
  int64_t delay_seconds = 0;
};

// kRefused: a setting of the backend forbids flushing it (Redis raw mode,
// --redis-flush off); nothing was flushed and the client is told it is not
// allowed, as memcached -F tells it.
enum class FlushOutcome : uint8_t { kOk, kRefused, kError };

struct FlushResult {
  FlushOutcome outcome = FlushOutcome::kOk;
  BackendError error;
};

// --- client lifecycle and stats -------------------------------------------------

enum class OpenOutcome : uint8_t {
  kAccepted,
  kRefused,  // the client gets "SERVER_ERROR <message>" and is closed
};

struct OpenResult {
  OpenOutcome outcome = OpenOutcome::kAccepted;
  BackendError error;  // kRefused: why
};

// What a backend's items are and have done, under memcached's names, for
// `stats`, `stats settings`, `stats items`, `stats slabs`, the metrics and
// the admin API; a backend that keeps no such count leaves it 0.
struct ItemStats {
  uint64_t curr_items = 0;
  uint64_t total_items = 0;
  uint64_t bytes = 0;
  uint64_t limit_maxbytes = 0;  // the memory limit (-m)
  uint64_t evictions = 0;
  uint64_t evicted_unfetched = 0;
  uint64_t expired_unfetched = 0;
  uint64_t reclaimed = 0;
  uint64_t get_expired = 0;
  uint64_t get_flushed = 0;
};

// One line of `stats backend`.
struct Stat {
  std::string name;
  std::string value;
};

struct StatsResult {
  ItemStats items;
  // Connections to a remote store made again after one failed.
  uint64_t reconnects = 0;
  // What `stats backend` lists, in the backend's own words (the numbers
  // above included, under their names, when the backend reports them).
  std::vector<Stat> stats;
};

class Backend {
 public:
  template <typename R>
  using Done = absl::AnyInvocable<void(R) &&>;

  virtual ~Backend() = default;

  // Short name for logs and stats ("memory", "redis", "grpc").
  virtual std::string_view Name() const = 0;
  virtual Capabilities capabilities() const = 0;

  virtual void Get(const ClientContext& client, const GetRequest& request,
                   Done<GetResult> done) = 0;
  virtual void Store(const ClientContext& client, const StoreRequest& request,
                     Done<StoreResult> done) = 0;
  virtual void Delete(const ClientContext& client, const DeleteRequest& request,
                      Done<DeleteResult> done) = 0;
  virtual void Arith(const ClientContext& client, const ArithRequest& request,
                     Done<ArithResult> done) = 0;
  virtual void Touch(const ClientContext& client, const TouchRequest& request,
                     Done<TouchResult> done) = 0;
  virtual void FlushAll(const ClientContext& client, const FlushRequest& request,
                        Done<FlushResult> done) = 0;

  // The seed's _begin: before the client's first command. May complete later
  // and may refuse the client. Default: accepted at once.
  virtual void ClientOpened(const ClientContext& client, Done<OpenResult> done) {
    std::move(done)(OpenResult{});
  }
  // The seed's _end: the client is gone; `client` is valid for this call only.
  virtual void ClientClosed(const ClientContext& client) {}

  // What the backend reports of itself, without blocking the caller: a
  // remote backend answers from cached values or completes later.
  virtual void Stats(Done<StatsResult> done) = 0;
};

}  // namespace memgate::backends
