// memcached semantics over a plain SimpleStore (see metadata_layer.h).
//
// Every entry point copies its borrowed arguments first: the store may answer
// later on another thread, and a pending flush_all may hold the call back.
#include "backends/metadata_layer.h"

#include <utility>

#include "absl/hash/hash.h"
#include "backends/arith.h"
#include "backends/expiry.h"

namespace memgate::backends {
namespace {

// abseil here has its own string_view; the side table is looked up with one.
absl::string_view AbslKey(std::string_view key) { return {key.data(), key.size()}; }

// The exptime to hand the store for an item that expires at `expires_at`: an
// absolute unix time is always past 30 days, so the store reads it as one.
int64_t StoreExptime(int64_t expires_at) { return expires_at; }

StoreResult StoreAnswer(Outcome outcome, uint64_t cas = 0) {
  StoreResult result;
  result.outcome = outcome;
  result.cas = cas;
  return result;
}

StoreResult StoreFailure(BackendError error) {
  StoreResult result;
  result.outcome = Outcome::kError;
  result.error = std::move(error);
  return result;
}

BackendError StoreReplyCountError() {
  return BackendError{"store returned a wrong number of values", false};
}

// What one Get hands out: the copied keys and the store's values, kept
// alive by the hits' owner.
struct GetHolder {
  std::vector<std::string> keys;
  std::vector<std::optional<std::string>> values;
};

}  // namespace

MetadataLayer::MetadataLayer(SimpleStore& store, MetadataLayerOptions options)
    : store_(store), options_(options) {
  const std::size_t count = std::max<std::size_t>(options_.shard_count, 1);
  for (std::size_t i = 0; i < count; ++i) shards_.push_back(std::make_unique<MetaShard>());
}

MetadataLayer::MetadataLayer(std::unique_ptr<SimpleStore> store, MetadataLayerOptions options)
    : owned_store_(std::move(store)), store_(*owned_store_), options_(options) {
  const std::size_t count = std::max<std::size_t>(options_.shard_count, 1);
  for (std::size_t i = 0; i < count; ++i) shards_.push_back(std::make_unique<MetaShard>());
}

// An owned store goes first, while the side table it may still call back
// into is intact.
MetadataLayer::~MetadataLayer() { owned_store_.reset(); }

// --- side table -------------------------------------------------------------

MetadataLayer::MetaShard& MetadataLayer::ShardFor(std::string_view key) {
  const std::size_t hash = absl::Hash<std::string_view>{}(key);
  return *shards_[(static_cast<uint64_t>(hash) >> 32) % shards_.size()];
}

std::optional<MetadataLayer::Meta> MetadataLayer::FindMeta(std::string_view key) {
  MetaShard& shard = ShardFor(key);
  absl::MutexLock lock(&shard.mu);
  auto it = shard.table.find(AbslKey(key));
  if (it == shard.table.end()) return std::nullopt;
  return it->second;
}

void MetadataLayer::PutMeta(std::string_view key, const Meta& meta) {
  MetaShard& shard = ShardFor(key);
  absl::MutexLock lock(&shard.mu);
  shard.table.insert_or_assign(std::string(key), meta);
}

void MetadataLayer::EraseMeta(std::string_view key) {
  MetaShard& shard = ShardFor(key);
  absl::MutexLock lock(&shard.mu);
  shard.table.erase(AbslKey(key));
}

MetadataLayer::Meta MetadataLayer::MetaOrDefault(std::string_view key) {
  MetaShard& shard = ShardFor(key);
  absl::MutexLock lock(&shard.mu);
  auto it = shard.table.find(AbslKey(key));
  if (it != shard.table.end()) return it->second;
  Meta meta{0, 0, NextCas()};
  shard.table.emplace(std::string(key), meta);
  return meta;
}

bool MetadataLayer::DropIfExpired(std::string_view key, int64_t now) {
  MetaShard& shard = ShardFor(key);
  absl::MutexLock lock(&shard.mu);
  auto it = shard.table.find(AbslKey(key));
  if (it == shard.table.end() || !IsExpired(it->second.expires_at, now)) return false;
  shard.table.erase(it);
  return true;
}

std::size_t MetadataLayer::MetadataSize() const {
  std::size_t size = 0;
  for (const auto& shard : shards_) {
    absl::MutexLock lock(&shard->mu);
    size += shard->table.size();
  }
  return size;
}

BackendStats MetadataLayer::Stats() const {
  BackendStats stats;
  if (!options_.no_extra) stats.curr_items = MetadataSize();
  return stats;
}

// --- flush_all gate ---------------------------------------------------------

void MetadataLayer::Run(const ClientContext& client, Op op) {
  flush_mu_.Lock();
  if (flushing_) {
    waiting_.push_back(std::move(op));
    flush_mu_.Unlock();
    return;
  }
  if (flush_at_ != 0 && options_.clock->Now() >= flush_at_) {
    // A delayed flush_all is due: do it before anything else sees the data.
    flush_at_ = 0;
    waiting_.push_back(std::move(op));
    StartFlushLocked(client, [](FlushResult) {});
    return;
  }
  flush_mu_.Unlock();
  std::move(op)();
}

// Called with flush_mu_ held; releases it.
void MetadataLayer::StartFlushLocked(const ClientContext& client, Done<FlushResult> done) {
  flushing_ = true;
  flush_mu_.Unlock();
  for (auto& shard : shards_) {
    absl::MutexLock lock(&shard->mu);
    shard->table.clear();
  }
  store_.FlushAll(client, [this, done = std::move(done)](DoneReply reply) mutable {
    FlushResult result;
    if (reply.error) {
      result.outcome = Outcome::kError;
      result.error = *std::move(reply.error);
    }
    std::vector<Op> waiting;
    {
      absl::MutexLock lock(&flush_mu_);
      flushing_ = false;
      waiting.swap(waiting_);
    }
    std::move(done)(std::move(result));
    for (Op& op : waiting) std::move(op)();
  });
}

void MetadataLayer::FlushAll(const ClientContext& client, int64_t delay_seconds,
                             Done<FlushResult> done) {
  const int64_t now = options_.clock->Now();
  const int64_t at = delay_seconds <= 0 ? 0 : AbsoluteExpiry(delay_seconds, now);
  flush_mu_.Lock();
  if (at > 0) {
    flush_at_ = at;
    flush_mu_.Unlock();
    std::move(done)(FlushResult{});
    return;
  }
  flush_at_ = 0;
  if (flushing_) {
    // Another flush is running; start ours when it is done.
    waiting_.push_back(
        [this, client, done = std::move(done)]() mutable { FlushAll(client, 0, std::move(done)); });
    flush_mu_.Unlock();
    return;
  }
  StartFlushLocked(client, std::move(done));
}

// --- lifecycle --------------------------------------------------------------

void MetadataLayer::ClientOpened(const ClientContext& client) {
  store_.Begin(client, [](DoneReply) {});
}

void MetadataLayer::ClientClosed(const ClientContext& client) {
  store_.End(client, [](DoneReply) {});
}

// --- get / gat --------------------------------------------------------------

void MetadataLayer::Get(const ClientContext& client, std::span<const std::string_view> keys,
                        bool with_cas, Done<GetResult> done) {
  Run(client, [this, client, keys = std::vector<std::string>(keys.begin(), keys.end()),
               done = std::move(done)]() mutable {
    GetImpl(client, std::move(keys), std::nullopt, std::move(done));
  });
}

void MetadataLayer::GetAndTouch(const ClientContext& client, std::span<const std::string_view> keys,
                                int64_t exptime, Done<GetResult> done) {
  Run(client, [this, client, keys = std::vector<std::string>(keys.begin(), keys.end()), exptime,
               done = std::move(done)]() mutable {
    GetImpl(client, std::move(keys), exptime, std::move(done));
  });
}

void MetadataLayer::GetImpl(const ClientContext& client, std::vector<std::string> keys,
                            std::optional<int64_t> touch_exptime, Done<GetResult> done) {
  auto holder = std::make_shared<GetHolder>();
  holder->keys = std::move(keys);
  const std::vector<std::string_view> views(holder->keys.begin(), holder->keys.end());
  store_.Get(client, views,
             [this, client, holder, touch_exptime, done = std::move(done)](GetReply reply) mutable {
               GetResult result;
               if (reply.error || reply.values.size() != holder->keys.size()) {
                 result.outcome = Outcome::kError;
                 result.error = reply.error ? *std::move(reply.error) : StoreReplyCountError();
                 std::move(done)(std::move(result));
                 return;
               }
               holder->values = std::move(reply.values);
               const int64_t now = options_.clock->Now();
               std::vector<std::string> expired;  // to delete from the store before answering
               for (std::size_t i = 0; i < holder->keys.size(); ++i) {
                 if (!holder->values[i]) continue;
                 const std::string& key = holder->keys[i];
                 Hit hit{key, *holder->values[i], 0, 0, holder};
                 if (!options_.no_extra) {
                   if (DropIfExpired(key, now)) {
                     expired.push_back(key);
                     continue;
                   }
                   Meta meta = MetaOrDefault(key);
                   if (touch_exptime) {
                     meta.expires_at = AbsoluteExpiry(*touch_exptime, now);
                     if (meta.expires_at == kAlreadyExpired) {
                       // gat with a past time answers the item once, then it is gone.
                       EraseMeta(key);
                       expired.push_back(key);
                     } else {
                       PutMeta(key, meta);
                     }
                   }
                   hit.flags = meta.flags;
                   hit.cas = meta.cas;
                 }
                 result.hits.push_back(hit);
               }
               if (expired.empty()) {
                 std::move(done)(std::move(result));
                 return;
               }
               // Answer once every lazy delete has reached the store, so the client's
               // next command cannot find the expired item there.
               struct Pending {
                 absl::Mutex mu;
                 std::size_t left;
                 GetResult result;
                 Done<GetResult> done;
               };
               auto pending = std::make_shared<Pending>();
               pending->left = expired.size();
               pending->result = std::move(result);
               pending->done = std::move(done);
               for (const std::string& key : expired) {
                 store_.Delete(client, key, [pending](DeleteReply) {
                   {
                     absl::MutexLock lock(&pending->mu);
                     if (--pending->left != 0) return;
                   }
                   std::move(pending->done)(std::move(pending->result));
                 });
               }
             });
}

// --- storage commands -------------------------------------------------------

void MetadataLayer::ExpireThen(const ClientContext& client, const std::string& key, Op then) {
  if (options_.no_extra || !DropIfExpired(key, options_.clock->Now())) {
    std::move(then)();
    return;
  }
  store_.Delete(client, key, [then = std::move(then)](DeleteReply) mutable { std::move(then)(); });
}

void MetadataLayer::Store(const ClientContext& client, StoreMode mode, std::string_view key,
                          uint32_t flags, int64_t exptime, std::string_view value, uint64_t cas,
                          Done<StoreResult> done) {
  if (value.size() > options_.max_item_size) {
    std::move(done)(StoreAnswer(Outcome::kTooLarge));
    return;
  }
  Run(client, [this, client, mode, key = std::string(key), flags, exptime,
               value = std::string(value), cas, done = std::move(done)]() mutable {
    StoreImpl(client, mode, std::move(key), flags, exptime, std::move(value), cas, std::move(done));
  });
}

void MetadataLayer::SetAndRecord(const ClientContext& client, std::string key, uint32_t flags,
                                 int64_t expires_at, int64_t store_exptime, std::string value,
                                 Done<StoreResult> done) {
  if (!options_.no_extra && expires_at == kAlreadyExpired) {
    // Stored and at once invisible: whatever was there is gone.
    EraseMeta(key);
    store_.Delete(client, key, [this, done = std::move(done)](DeleteReply reply) mutable {
      if (reply.error) {
        std::move(done)(StoreFailure(*std::move(reply.error)));
        return;
      }
      std::move(done)(StoreAnswer(Outcome::kStored, NextCas()));
    });
    return;
  }
  // The store borrows key and value for the call only; the completion keeps
  // its own copy of the key.
  store_.Set(client, key, flags, store_exptime, value,
             [this, key, flags, expires_at, done = std::move(done)](SetReply reply) mutable {
               if (reply.error) {
                 std::move(done)(StoreFailure(*std::move(reply.error)));
                 return;
               }
               uint64_t cas = 0;
               if (!options_.no_extra) {
                 cas = NextCas();
                 PutMeta(key, Meta{flags, expires_at, cas});
               }
               std::move(done)(StoreAnswer(Outcome::kStored, cas));
             });
}

void MetadataLayer::StoreImpl(const ClientContext& client, StoreMode mode, std::string key,
                              uint32_t flags, int64_t exptime, std::string value, uint64_t cas,
                              Done<StoreResult> done) {
  const int64_t expires_at = options_.no_extra ? 0 : AbsoluteExpiry(exptime, options_.clock->Now());
  switch (mode) {
    case StoreMode::kSet:
      SetAndRecord(client, std::move(key), flags, expires_at, exptime, std::move(value),
                   std::move(done));
      return;
    case StoreMode::kCas:
      if (options_.no_extra) {  // the seed: cas always succeeds
        SetAndRecord(client, std::move(key), flags, expires_at, exptime, std::move(value),
                     std::move(done));
        return;
      }
      [[fallthrough]];
    case StoreMode::kAdd:
    case StoreMode::kReplace: {
      const std::string key_copy = key;
      ExpireThen(client, key_copy,
                 [this, client, mode, key = std::move(key), flags, exptime, expires_at,
                  value = std::move(value), cas, done = std::move(done)]() mutable {
                   const std::string key_copy = key;
                   store_.Find(client, key_copy,
                               [this, client, mode, key = std::move(key), flags, exptime,
                                expires_at, value = std::move(value), cas,
                                done = std::move(done)](FindReply found) mutable {
                                 if (found.error) {
                                   std::move(done)(StoreFailure(*std::move(found.error)));
                                   return;
                                 }
                                 if (mode == StoreMode::kAdd && found.found) {
                                   std::move(done)(StoreAnswer(Outcome::kNotStored));
                                   return;
                                 }
                                 if (mode == StoreMode::kReplace && !found.found) {
                                   std::move(done)(StoreAnswer(Outcome::kNotStored));
                                   return;
                                 }
                                 if (mode == StoreMode::kCas) {
                                   if (!found.found) {
                                     std::move(done)(StoreAnswer(Outcome::kNotFound));
                                     return;
                                   }
                                   if (MetaOrDefault(key).cas != cas) {
                                     std::move(done)(StoreAnswer(Outcome::kExists));
                                     return;
                                   }
                                 }
                                 SetAndRecord(client, std::move(key), flags, expires_at, exptime,
                                              std::move(value), std::move(done));
                               });
                 });
      return;
    }
    case StoreMode::kAppend:
    case StoreMode::kPrepend: {
      const std::string key_copy = key;
      ExpireThen(
          client, key_copy,
          [this, client, mode, key = std::move(key), value = std::move(value),
           done = std::move(done)]() mutable {
            const std::string key_copy = key;  // `key` moves into the completion
            const std::string_view key_view[] = {key_copy};
            store_.Get(
                client, key_view,
                [this, client, mode, key = std::move(key), value = std::move(value),
                 done = std::move(done)](GetReply reply) mutable {
                  if (reply.error || reply.values.size() != 1) {
                    std::move(done)(StoreFailure(reply.error ? *std::move(reply.error)
                                                             : StoreReplyCountError()));
                    return;
                  }
                  if (!reply.values[0]) {
                    std::move(done)(StoreAnswer(Outcome::kNotStored));
                    return;
                  }
                  std::string& old = *reply.values[0];
                  if (old.size() + value.size() > options_.max_item_size) {
                    std::move(done)(StoreAnswer(Outcome::kTooLarge));
                    return;
                  }
                  std::string combined = mode == StoreMode::kAppend ? old + value : value + old;
                  const Meta meta = options_.no_extra ? Meta{} : MetaOrDefault(key);
                  SetAndRecord(client, std::move(key), meta.flags, meta.expires_at,
                               StoreExptime(meta.expires_at), std::move(combined), std::move(done));
                });
          });
      return;
    }
  }
}

// --- delete -----------------------------------------------------------------

void MetadataLayer::Delete(const ClientContext& client, std::string_view key,
                           Done<DeleteResult> done) {
  Run(client, [this, client, key = std::string(key), done = std::move(done)]() mutable {
    DeleteImpl(client, std::move(key), std::move(done));
  });
}

void MetadataLayer::DeleteImpl(const ClientContext& client, std::string key,
                               Done<DeleteResult> done) {
  const bool expired = !options_.no_extra && DropIfExpired(key, options_.clock->Now());
  if (!options_.no_extra) EraseMeta(key);
  store_.Delete(client, key, [expired, done = std::move(done)](DeleteReply reply) mutable {
    DeleteResult result;
    if (reply.error) {
      result.outcome = Outcome::kError;
      result.error = *std::move(reply.error);
    } else {
      result.outcome = reply.deleted && !expired ? Outcome::kDeleted : Outcome::kNotFound;
    }
    std::move(done)(std::move(result));
  });
}

// --- incr / decr ------------------------------------------------------------

void MetadataLayer::Arith(const ClientContext& client, ArithOp op, std::string_view key,
                          uint64_t delta, Done<ArithResult> done) {
  Run(client, [this, client, op, key = std::string(key), delta, done = std::move(done)]() mutable {
    ArithImpl(client, op, std::move(key), delta, std::move(done));
  });
}

void MetadataLayer::ArithImpl(const ClientContext& client, ArithOp op, std::string key,
                              uint64_t delta, Done<ArithResult> done) {
  const std::string key_copy = key;
  ExpireThen(client, key_copy,
             [this, client, op, key = std::move(key), delta, done = std::move(done)]() mutable {
               const std::string key_copy = key;  // `key` moves into the completion
               const std::string_view key_view[] = {key_copy};
               store_.Get(
                   client, key_view,
                   [this, client, op, key = std::move(key), delta,
                    done = std::move(done)](GetReply reply) mutable {
                     ArithResult result;
                     if (reply.error || reply.values.size() != 1) {
                       result.outcome = Outcome::kError;
                       result.error =
                           reply.error ? *std::move(reply.error) : StoreReplyCountError();
                       std::move(done)(std::move(result));
                       return;
                     }
                     if (!reply.values[0]) {
                       result.outcome = Outcome::kNotFound;
                       std::move(done)(std::move(result));
                       return;
                     }
                     const std::optional<uint64_t> current = ParseArithValue(*reply.values[0]);
                     if (!current) {
                       result.outcome = Outcome::kNonNumeric;
                       std::move(done)(std::move(result));
                       return;
                     }
                     const uint64_t value = ApplyArith(op, *current, delta);
                     const Meta meta = options_.no_extra ? Meta{} : MetaOrDefault(key);
                     SetAndRecord(client, std::move(key), meta.flags, meta.expires_at,
                                  StoreExptime(meta.expires_at),
                                  FormatArithValue(value, reply.values[0]->size()),
                                  [value, done = std::move(done)](StoreResult stored) mutable {
                                    ArithResult result;
                                    if (stored.outcome == Outcome::kStored) {
                                      result.value = value;
                                    } else {
                                      result.outcome = stored.outcome;
                                      result.error = std::move(stored.error);
                                    }
                                    std::move(done)(std::move(result));
                                  });
                   });
             });
}

// --- touch ------------------------------------------------------------------

void MetadataLayer::Touch(const ClientContext& client, std::string_view key, int64_t exptime,
                          Done<TouchResult> done) {
  Run(client, [this, client, key = std::string(key), exptime, done = std::move(done)]() mutable {
    TouchImpl(client, std::move(key), exptime, std::move(done));
  });
}

void MetadataLayer::TouchImpl(const ClientContext& client, std::string key, int64_t exptime,
                              Done<TouchResult> done) {
  const std::string key_copy = key;
  ExpireThen(client, key_copy,
             [this, client, key = std::move(key), exptime, done = std::move(done)]() mutable {
               const std::string key_copy = key;
               store_.Find(
                   client, key_copy,
                   [this, client, key = std::move(key), exptime,
                    done = std::move(done)](FindReply found) mutable {
                     TouchResult result;
                     if (found.error) {
                       result.outcome = Outcome::kError;
                       result.error = *std::move(found.error);
                       std::move(done)(std::move(result));
                       return;
                     }
                     if (!found.found) {
                       result.outcome = Outcome::kNotFound;
                       std::move(done)(std::move(result));
                       return;
                     }
                     if (options_.no_extra) {  // nothing expires
                       std::move(done)(std::move(result));
                       return;
                     }
                     const int64_t expires_at = AbsoluteExpiry(exptime, options_.clock->Now());
                     if (expires_at == kAlreadyExpired) {
                       EraseMeta(key);
                       store_.Delete(client, key, [done = std::move(done)](DeleteReply) mutable {
                         std::move(done)(TouchResult{});
                       });
                       return;
                     }
                     Meta meta = MetaOrDefault(key);
                     meta.expires_at = expires_at;
                     PutMeta(key, meta);
                     std::move(done)(std::move(result));
                   });
             });
}


// --- meta commands ----------------------------------------------------------

namespace {

template <typename R>
R NoMetadata() {
  R result;
  result.outcome = Outcome::kUnsupported;
  result.error.message = "meta commands need item metadata, which --no-extra turns off";
  return result;
}

// A meta T/N exptime: an already-past one becomes a past time.
int64_t MetaExpiry(int64_t exptime, int64_t now) {
  const int64_t at = AbsoluteExpiry(exptime, now);
  return at == kAlreadyExpired ? 1 : at;
}

int64_t TtlLeft(int64_t expires_at, int64_t now) {
  return expires_at == 0 ? -1 : expires_at - now;
}

// What a meta Get hands out: the copied key and the store's value.
struct MetaHolder {
  std::string key;
  std::string value;
};

}  // namespace

template <typename Fn>
MetadataLayer::Meta MetadataLayer::UpdateMeta(std::string_view key, Fn fn) {
  MetaShard& shard = ShardFor(key);
  absl::MutexLock lock(&shard.mu);
  auto it = shard.table.find(AbslKey(key));
  if (it == shard.table.end()) {
    it = shard.table.emplace(std::string(key), Meta{0, 0, NextCas()}).first;
  }
  fn(it->second);
  return it->second;
}

void MetadataLayer::MetaGet(const ClientContext& client, std::string_view key,
                            const MetaGetRequest& request, Done<MetaGetResult> done) {
  if (options_.no_extra) {
    std::move(done)(NoMetadata<MetaGetResult>());
    return;
  }
  Run(client, [this, client, key = std::string(key), request, done = std::move(done)]() mutable {
    const std::string key_copy = key;
    ExpireThen(client, key_copy,
               [this, client, key = std::move(key), request, done = std::move(done)]() mutable {
                 MetaGetImpl(client, std::move(key), request, std::move(done));
               });
  });
}

void MetadataLayer::MetaGetImpl(const ClientContext& client, std::string key,
                                MetaGetRequest request, Done<MetaGetResult> done) {
  // Fills the result from the side table, applying the command's steps, once
  // the value is known (found or vivified).
  auto answer = [this, request](std::shared_ptr<MetaHolder> holder, bool created) {
    const int64_t now = options_.clock->Now();
    MetaGetResult result;
    bool won = false;
    const Meta meta = UpdateMeta(holder->key, [&](Meta& m) {
      if (created) {
        m.key_binary = request.key_binary;
        m.atime = now;
      }
      result.fetched_before = m.fetched;
      result.idle_seconds = m.atime == 0 ? 0 : now - m.atime;
      for (uint8_t i = 0; i < request.steps.count; ++i) {
        switch (request.steps.order[i]) {
          case 't':
            result.ttl = TtlLeft(m.expires_at, now);
            break;
          case 'T':
            m.expires_at = MetaExpiry(request.ttl, now);
            break;
          case 'N':
            if (created) {
              m.expires_at = MetaExpiry(request.vivify_ttl, now);
              won = true;
            }
            break;
          case 'R':
            if (!m.token_sent && !created && m.expires_at != 0 &&
                m.expires_at < MetaExpiry(request.recache_ttl, now)) {
              won = true;
            }
            break;
        }
      }
      result.token_sent = m.token_sent;
      result.stale = m.stale;
      if (m.stale && !m.token_sent) won = true;
      if (won) m.token_sent = true;
      if (!request.no_bump) {
        m.fetched = true;
        m.atime = now;
      }
    });
    result.won = won;
    result.key_binary = meta.key_binary;
    result.exptime = meta.expires_at;
    result.hit = Hit{holder->key, holder->value, meta.flags, meta.cas, holder};
    return result;
  };
  const std::string key_copy = key;
  const std::string_view key_view[] = {key_copy};
  store_.Get(client, key_view,
             [this, client, key = std::move(key), request, answer = std::move(answer),
              done = std::move(done)](GetReply reply) mutable {
               MetaGetResult result;
               if (reply.error || reply.values.size() != 1) {
                 result.outcome = Outcome::kError;
                 result.error = reply.error ? *std::move(reply.error) : StoreReplyCountError();
                 std::move(done)(std::move(result));
                 return;
               }
               auto holder = std::make_shared<MetaHolder>();
               holder->key = std::move(key);
               if (reply.values[0]) {
                 holder->value = *std::move(reply.values[0]);
                 std::move(done)(answer(std::move(holder), false));
                 return;
               }
               if (!request.vivify) {
                 result.outcome = Outcome::kNotFound;
                 std::move(done)(std::move(result));
                 return;
               }
               std::string stub_key = holder->key;
               SetAndRecord(client, std::move(stub_key), 0, 0, 0, std::string(),
                            [holder = std::move(holder), answer = std::move(answer),
                             done = std::move(done)](StoreResult stored) mutable {
                              if (stored.outcome != Outcome::kStored) {
                                MetaGetResult miss;
                                miss.outcome = stored.outcome == Outcome::kError
                                                   ? Outcome::kError
                                                   : Outcome::kNotFound;
                                miss.error = std::move(stored.error);
                                std::move(done)(std::move(miss));
                                return;
                              }
                              std::move(done)(answer(std::move(holder), true));
                            });
             });
}

void MetadataLayer::MetaStore(const ClientContext& client, std::string_view key,
                              const MetaStoreRequest& request, std::string_view value,
                              Done<StoreResult> done) {
  if (options_.no_extra) {
    std::move(done)(NoMetadata<StoreResult>());
    return;
  }
  if (value.size() > options_.max_item_size) {
    std::move(done)(StoreAnswer(Outcome::kTooLarge));
    return;
  }
  Run(client, [this, client, key = std::string(key), request, value = std::string(value),
               done = std::move(done)]() mutable {
    MetaStoreImpl(client, std::move(key), request, std::move(value), std::move(done));
  });
}

void MetadataLayer::MetaStoreImpl(const ClientContext& client, std::string key,
                                  MetaStoreRequest request, std::string value,
                                  Done<StoreResult> done) {
  // Records the binary-key bit (and stale state) once the value is stored.
  auto finish = [this, key, request](Done<StoreResult> done, bool stale, bool token_sent) {
    return [this, key, request, stale, token_sent,
            done = std::move(done)](StoreResult result) mutable {
      if (result.outcome == Outcome::kStored && (request.key_binary || stale)) {
        UpdateMeta(key, [&](Meta& m) {
          m.key_binary = request.key_binary;
          m.stale = stale;
          m.token_sent = token_sent;
        });
      }
      std::move(done)(std::move(result));
    };
  };
  const bool appends = request.mode == StoreMode::kAppend || request.mode == StoreMode::kPrepend;
  const bool needs_check = (request.mode == StoreMode::kCas && request.invalidate) ||
                           (appends && request.cas != 0);
  if (!needs_check) {
    StoreImpl(client, request.mode, std::move(key), request.flags, request.exptime,
              std::move(value), request.cas, finish(std::move(done), false, false));
    return;
  }
  const std::string key_copy = key;
  ExpireThen(client, key_copy, [this, client, key = std::move(key), request,
                                value = std::move(value), finish = std::move(finish),
                                done = std::move(done)]() mutable {
    const std::string key_copy = key;
    store_.Find(client, key_copy, [this, client, key = std::move(key), request,
                                   value = std::move(value), finish = std::move(finish),
                                   done = std::move(done)](FindReply found) mutable {
      if (found.error) {
        std::move(done)(StoreFailure(*std::move(found.error)));
        return;
      }
      if (!found.found) {
        std::move(done)(StoreAnswer(request.mode == StoreMode::kCas ? Outcome::kNotFound
                                                                     : Outcome::kNotStored));
        return;
      }
      const Meta meta = MetaOrDefault(key);
      if (request.mode != StoreMode::kCas) {  // append/prepend with a cas
        if (meta.cas != request.cas) {
          std::move(done)(StoreAnswer(Outcome::kExists));
          return;
        }
        StoreImpl(client, request.mode, std::move(key), request.flags, request.exptime,
                  std::move(value), request.cas, finish(std::move(done), false, false));
        return;
      }
      if (meta.cas == request.cas) {
        StoreImpl(client, StoreMode::kSet, std::move(key), request.flags, request.exptime,
                  std::move(value), 0, finish(std::move(done), false, false));
        return;
      }
      if (request.cas > meta.cas) {
        std::move(done)(StoreAnswer(Outcome::kExists));
        return;
      }
      // ms I with an older cas: store, stale, keeping the TTL and win token.
      SetAndRecord(client, std::move(key), request.flags, meta.expires_at,
                   StoreExptime(meta.expires_at), std::move(value),
                   finish(std::move(done), true, meta.token_sent));
    });
  });
}

void MetadataLayer::MetaDelete(const ClientContext& client, std::string_view key,
                               const MetaDeleteRequest& request, Done<DeleteResult> done) {
  if (options_.no_extra) {
    std::move(done)(NoMetadata<DeleteResult>());
    return;
  }
  Run(client, [this, client, key = std::string(key), request, done = std::move(done)]() mutable {
    const std::string key_copy = key;
    ExpireThen(client, key_copy, [this, client, key = std::move(key), request,
                                  done = std::move(done)]() mutable {
      const std::string key_copy = key;
      store_.Find(client, key_copy, [this, client, key = std::move(key), request,
                                     done = std::move(done)](FindReply found) mutable {
        DeleteResult result;
        if (found.error) {
          result.outcome = Outcome::kError;
          result.error = *std::move(found.error);
        } else if (!found.found) {
          result.outcome = Outcome::kNotFound;
        } else if (request.has_cas && MetaOrDefault(key).cas != request.cas) {
          result.outcome = Outcome::kExists;
        } else if (request.invalidate) {
          const int64_t now = options_.clock->Now();
          UpdateMeta(key, [&](Meta& m) {
            if (request.has_ttl) m.expires_at = MetaExpiry(request.ttl, now);
            m.stale = true;
            m.token_sent = false;
            m.cas = NextCas();
          });
        } else {
          DeleteImpl(client, std::move(key), std::move(done));
          return;
        }
        std::move(done)(std::move(result));
      });
    });
  });
}

void MetadataLayer::MetaArith(const ClientContext& client, std::string_view key,
                              const MetaArithRequest& request, Done<MetaArithResult> done) {
  if (options_.no_extra) {
    std::move(done)(NoMetadata<MetaArithResult>());
    return;
  }
  Run(client, [this, client, key = std::string(key), request, done = std::move(done)]() mutable {
    const std::string key_copy = key;
    ExpireThen(client, key_copy, [this, client, key = std::move(key), request,
                                  done = std::move(done)]() mutable {
      MetaArithImpl(client, std::move(key), request, std::move(done));
    });
  });
}

void MetadataLayer::MetaArithImpl(const ClientContext& client, std::string key,
                                  MetaArithRequest request, Done<MetaArithResult> done) {
  // After the new value is stored: restore the meta state a plain store
  // resets, apply the t/T/N steps, and answer.
  auto stored = [this, key, request](uint64_t value, bool created, Meta before,
                                     Done<MetaArithResult> done) {
    return [this, key, request, value, created, before,
            done = std::move(done)](StoreResult stored) mutable {
      MetaArithResult result;
      if (stored.outcome != Outcome::kStored) {
        result.outcome = stored.outcome;
        result.error = std::move(stored.error);
        std::move(done)(std::move(result));
        return;
      }
      const int64_t now = options_.clock->Now();
      const Meta meta = UpdateMeta(key, [&](Meta& m) {
        if (created) {
          m.atime = now;
        } else {
          m.atime = before.atime;
          m.fetched = before.fetched;
          m.stale = before.stale;
          m.token_sent = before.token_sent;
          m.key_binary = before.key_binary;
        }
        for (uint8_t i = 0; i < request.steps.count; ++i) {
          switch (request.steps.order[i]) {
            case 't':
              result.ttl = TtlLeft(m.expires_at, now);
              break;
            case 'T':
              m.expires_at = MetaExpiry(request.ttl, now);
              break;
            case 'N':
              if (created) m.expires_at = MetaExpiry(request.vivify_ttl, now);
              break;
          }
        }
      });
      result.value = value;
      result.cas = meta.cas;
      std::move(done)(std::move(result));
    };
  };
  const std::string key_copy = key;
  const std::string_view key_view[] = {key_copy};
  store_.Get(client, key_view, [this, client, key = std::move(key), request,
                                stored = std::move(stored),
                                done = std::move(done)](GetReply reply) mutable {
    MetaArithResult result;
    if (reply.error || reply.values.size() != 1) {
      result.outcome = Outcome::kError;
      result.error = reply.error ? *std::move(reply.error) : StoreReplyCountError();
      std::move(done)(std::move(result));
      return;
    }
    if (!reply.values[0]) {
      if (!request.vivify) {
        result.outcome = Outcome::kNotFound;
        std::move(done)(std::move(result));
        return;
      }
      SetAndRecord(client, std::move(key), 0, 0, 0, FormatArithValue(request.initial, 0),
                   stored(request.initial, true, Meta{}, std::move(done)));
      return;
    }
    const Meta meta = MetaOrDefault(key);
    if (request.cas != 0 && meta.cas != request.cas) {
      result.outcome = Outcome::kExists;
      std::move(done)(std::move(result));
      return;
    }
    const std::optional<uint64_t> current = ParseArithValue(*reply.values[0]);
    if (!current) {
      result.outcome = Outcome::kNonNumeric;
      std::move(done)(std::move(result));
      return;
    }
    const uint64_t value = ApplyArith(request.op, *current, request.delta);
    // memcached rewrites in place when the number fits: keep the length.
    SetAndRecord(client, std::move(key), meta.flags, meta.expires_at,
                 StoreExptime(meta.expires_at), FormatArithValue(value, reply.values[0]->size()),
                 stored(value, false, meta, std::move(done)));
  });
}

}  // namespace memgate::backends
