// The interface every storage adapter implements with full memcached
// semantics. Calls are asynchronous: `done` runs exactly once, either inline
// (before the call returns) or later on any thread.
//
// Borrowing rule: every string_view argument (keys, values) is valid only for
// the duration of the call. A backend that completes later copies what it
// needs before returning.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "backends/client_context.h"

namespace memgate::backends {

enum class Outcome : uint8_t {
  kStored,
  kNotStored,
  kExists,
  kNotFound,
  kDeleted,
  kTouched,
  kOk,
  kNonNumeric,  // incr/decr on a value that is not a decimal number
  kTooLarge,    // the resulting item exceeds the item size limit
  kNoMemory,    // could not make room for the item
  kError,       // see BackendError
  // The backend cannot do what a meta command asked (see BackendError's
  // message); the client gets "CLIENT_ERROR <message>".
  kUnsupported,
};

// A failure of the backend itself (unreachable, timed out, refused). The client
// gets "SERVER_ERROR <message>"; close_connection asks the server to drop the
// client after that reply (the seed's -2).
struct BackendError {
  std::string message;
  bool close_connection = false;
};

// Keeps a Hit's bytes alive. Either shares ownership of any object through a
// std::shared_ptr, or holds one reference to an object with its own
// reference count (no allocation, no control block): `ref(object, +1)` adds
// a reference, `ref(object, -1)` drops one.
class HitOwner {
 public:
  using RefFn = void (*)(const void* object, int delta);

  HitOwner() = default;
  HitOwner(std::nullptr_t) {}
  template <typename T>
  HitOwner(std::shared_ptr<T> shared) : shared_(std::move(shared)) {}
  // Takes over one reference the caller holds to `object`.
  static HitOwner Adopt(const void* object, RefFn ref) {
    HitOwner owner;
    owner.object_ = object;
    owner.ref_ = ref;
    return owner;
  }

  HitOwner(const HitOwner& other)
      : shared_(other.shared_), object_(other.object_), ref_(other.ref_) {
    if (ref_ != nullptr) ref_(object_, +1);
  }
  HitOwner(HitOwner&& other) noexcept
      : shared_(std::move(other.shared_)), object_(other.object_), ref_(other.ref_) {
    other.object_ = nullptr;
    other.ref_ = nullptr;
  }
  HitOwner& operator=(HitOwner other) noexcept {
    std::swap(shared_, other.shared_);
    std::swap(object_, other.object_);
    std::swap(ref_, other.ref_);
    return *this;
  }
  ~HitOwner() {
    if (ref_ != nullptr) ref_(object_, -1);
  }

  explicit operator bool() const { return ref_ != nullptr || shared_ != nullptr; }
  friend bool operator==(const HitOwner& owner, std::nullptr_t) { return !owner; }

 private:
  std::shared_ptr<const void> shared_;
  const void* object_ = nullptr;
  RefFn ref_ = nullptr;
};

// One found item. key and value stay valid while `owner` is held, so a backend
// can hand out its own storage without copying.
struct Hit {
  std::string_view key;
  std::string_view value;
  uint32_t flags = 0;
  uint64_t cas = 0;
  HitOwner owner;
};

struct GetResult {
  Outcome outcome = Outcome::kOk;  // kOk or kError
  std::vector<Hit> hits;           // found keys only, in request order
  BackendError error;
};

struct StoreResult {
  Outcome outcome = Outcome::kStored;  // kStored kNotStored kExists kNotFound kTooLarge kNoMemory kError
  uint64_t cas = 0;                    // the item's new cas when stored
  BackendError error;
};

struct DeleteResult {
  Outcome outcome = Outcome::kDeleted;  // kDeleted kNotFound kError
  BackendError error;
};

struct ArithResult {
  Outcome outcome = Outcome::kOk;  // kOk kNotFound kNonNumeric kError
  uint64_t value = 0;              // the new value on kOk
  BackendError error;
};

struct TouchResult {
  Outcome outcome = Outcome::kTouched;  // kTouched kNotFound kError
  BackendError error;
};

struct FlushResult {
  Outcome outcome = Outcome::kOk;  // kOk kError
  BackendError error;
};

enum class StoreMode : uint8_t { kSet, kAdd, kReplace, kAppend, kPrepend, kCas };
enum class ArithOp : uint8_t { kIncr, kDecr };

// Counters a backend knows about itself, for `stats`. Fields a backend cannot
// know stay 0.
struct BackendStats {
  uint64_t curr_items = 0;
  uint64_t total_items = 0;
  uint64_t bytes = 0;
  uint64_t evictions = 0;
  uint64_t limit_maxbytes = 0;
  uint64_t expired_unfetched = 0;
  uint64_t evicted_unfetched = 0;
  uint64_t reclaimed = 0;
  uint64_t get_expired = 0;
  uint64_t get_flushed = 0;
};

// --- meta commands (mg ms md ma) ----------------------------------------------
//
// Per-item state beyond the classic commands: last access time, whether the
// item was fetched, memcached's stale and win-token bits, and whether its key
// is binary (stored with the b flag). A backend that cannot keep some of it
// answers Outcome::kUnsupported with a message rather than a wrong answer.

// The steps of a meta command that act in command order: 't' reports the
// remaining TTL, 'T' sets a new one, 'N' sets the TTL of an item the command
// created, 'R' checks for a recache win. memcached applies them in the order
// the client gave them, so `t` before `T` reports the old TTL.
struct MetaSteps {
  char order[4] = {};
  uint8_t count = 0;
  void Add(char step) { order[count++] = step; }
};

struct MetaGetRequest {
  bool no_bump = false;     // u: no LRU bump, no access time or fetched update
  bool key_binary = false;  // b: recorded on a vivified item
  bool vivify = false;      // N: create an empty item on a miss
  int64_t ttl = 0;          // T: raw exptime
  int64_t vivify_ttl = 0;   // N: raw exptime
  int64_t recache_ttl = 0;  // R: raw exptime
  MetaSteps steps;
};

struct MetaGetResult {
  Outcome outcome = Outcome::kOk;  // kOk (hit or vivified) kNotFound kUnsupported kError
  Hit hit;                         // key, value, flags, cas of the item
  int64_t ttl = -1;                // at the 't' step: seconds left, -1 = never
  int64_t idle_seconds = 0;        // since the previous access (l)
  bool fetched_before = false;     // h
  bool won = false;                // W
  bool stale = false;              // X
  bool token_sent = false;         // Z: another client already won
  bool key_binary = false;
  int64_t exptime = 0;             // the item's absolute exptime after the call, 0 = never
  BackendError error;
};

struct MetaStoreRequest {
  StoreMode mode = StoreMode::kSet;  // kCas when C was given with set/replace
  uint32_t flags = 0;
  int64_t exptime = 0;      // raw exptime
  uint64_t cas = 0;         // C; for append/prepend a non-zero value must match
  bool invalidate = false;  // I: with kCas, an older cas stores the value as stale
  bool key_binary = false;  // b
};

struct MetaDeleteRequest {
  bool has_cas = false;
  uint64_t cas = 0;         // C
  bool invalidate = false;  // I: mark stale and bump the cas instead of deleting
  bool has_ttl = false;     // T (with I only)
  int64_t ttl = 0;
};

struct MetaArithRequest {
  ArithOp op = ArithOp::kIncr;
  uint64_t delta = 1;       // D
  uint64_t cas = 0;         // C; 0 = no compare
  bool vivify = false;      // N: create with `initial` on a miss
  uint64_t initial = 0;     // J
  int64_t ttl = 0;          // T: raw exptime
  int64_t vivify_ttl = 0;   // N: raw exptime
  MetaSteps steps;          // t, T, N
};

struct MetaArithResult {
  Outcome outcome = Outcome::kOk;  // kOk kNotFound kExists kNonNumeric kNotStored kNoMemory
                                   // kUnsupported kError
  uint64_t value = 0;              // the new value (or the initial one when created)
  uint64_t cas = 0;
  int64_t ttl = -1;                // at the 't' step
  BackendError error;
};

class Backend {
 public:
  template <typename R>
  using Done = absl::AnyInvocable<void(R) &&>;

  virtual ~Backend() = default;

  // Short name for logs and stats ("memory", "redis", "grpc").
  virtual std::string_view Name() const = 0;

  // True when calls issued back to back for one client take effect in issue
  // order even if earlier ones have not completed. When false, the server waits
  // for each completion before issuing the client's next command.
  virtual bool PipelinesInOrder() const = 0;

  // `with_cas` only tells the backend whether the caller will use Hit::cas.
  virtual void Get(const ClientContext& client, std::span<const std::string_view> keys,
                   bool with_cas, Done<GetResult> done) = 0;
  // Get that also sets each found item's exptime (gat/gats).
  virtual void GetAndTouch(const ClientContext& client, std::span<const std::string_view> keys,
                           int64_t exptime, Done<GetResult> done) = 0;
  // `cas` is the compare value for StoreMode::kCas and ignored otherwise.
  // append/prepend keep the item's flags and exptime, as memcached does.
  virtual void Store(const ClientContext& client, StoreMode mode, std::string_view key,
                     uint32_t flags, int64_t exptime, std::string_view value, uint64_t cas,
                     Done<StoreResult> done) = 0;
  virtual void Delete(const ClientContext& client, std::string_view key,
                      Done<DeleteResult> done) = 0;
  // incr wraps at 2^64; decr floors at 0.
  virtual void Arith(const ClientContext& client, ArithOp op, std::string_view key,
                     uint64_t delta, Done<ArithResult> done) = 0;
  virtual void Touch(const ClientContext& client, std::string_view key, int64_t exptime,
                     Done<TouchResult> done) = 0;
  // delay_seconds > 0: items stored before now become invalid at now + delay.
  virtual void FlushAll(const ClientContext& client, int64_t delay_seconds,
                        Done<FlushResult> done) = 0;

  // Meta commands. The defaults answer kUnsupported: a backend opts in by
  // overriding them. Same borrowing rule as the calls above.
  virtual void MetaGet(const ClientContext& client, std::string_view key,
                       const MetaGetRequest& request, Done<MetaGetResult> done);
  virtual void MetaStore(const ClientContext& client, std::string_view key,
                         const MetaStoreRequest& request, std::string_view value,
                         Done<StoreResult> done);
  // Outcomes: kDeleted (also when invalidated) kNotFound kExists kUnsupported kError.
  virtual void MetaDelete(const ClientContext& client, std::string_view key,
                          const MetaDeleteRequest& request, Done<DeleteResult> done);
  virtual void MetaArith(const ClientContext& client, std::string_view key,
                         const MetaArithRequest& request, Done<MetaArithResult> done);

  // Connection lifecycle (the seed's _begin/_end). Default: nothing to do.
  virtual void ClientOpened(const ClientContext& client) {}
  virtual void ClientClosed(const ClientContext& client) {}

  virtual BackendStats Stats() const = 0;
};

}  // namespace memgate::backends
