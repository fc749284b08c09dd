// memcached semantics over a plain SimpleStore (see metadata_layer.h).
//
// Each command is one Call object: the entry point copies what it borrows
// into it and enters it into the KeyGate; its steps are member functions, and
// each store completion calls the next step. A call leaves the gate once its
// store calls are done and its metadata is recorded, then answers, so the
// next command on its keys sees its effect.
#include "backends/metadata_layer.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "backends/arith.h"
#include "backends/expiry.h"
#include "backends/metadata_table.h"
#include "backends/pass_through_metadata.h"

namespace memgate::backends {
namespace {

constexpr std::string_view kNeedsMetadata =
    "meta commands need item metadata, which --no-extra turns off";

BackendError ReplyCountError() {
  return BackendError{"store returned a wrong number of values", false};
}

StoreResult StoreAnswer(StoreOutcome outcome, uint64_t cas = 0, uint64_t value_size = 0) {
  StoreResult result;
  result.outcome = outcome;
  result.cas = cas;
  result.value_size = value_size;
  return result;
}

StoreResult StoreFailure(BackendError error) {
  StoreResult result;
  result.outcome = StoreOutcome::kError;
  result.error = std::move(error);
  return result;
}

template <typename Result>
Result Failure(BackendError error) {
  Result result;
  result.outcome = decltype(result.outcome)::kError;
  result.error = std::move(error);
  return result;
}

template <typename Result>
Result NeedsMetadata() {
  return Failure<Result>(BackendError{std::string(kNeedsMetadata), false});
}

// The keys of a Get and the store's values, kept alive by the hits' owner.
struct GetHolder {
  std::vector<std::string> keys;
  std::vector<std::optional<std::string>> values;
};

}  // namespace

// --- the steps every command shares ----------------------------------------

// The client stays valid until the call has answered, so it is kept as a
// pointer, once.
class MetadataLayer::Call {
 public:
  Call(MetadataLayer& layer, const ClientContext& client) : layer_(layer), client_(&client) {}
  virtual ~Call() = default;

  // The gate let the call through.
  void Begin(KeyGate::Ticket ticket) {
    ticket_ = ticket;
    Run();
  }

 protected:
  virtual void Run() = 0;
  // After ExpireThenProceed.
  virtual void Proceed() {}
  // After SetAndRecord.
  virtual void Stored(StoreResult result) {}

  const MetadataLayerOptions& options() const { return layer_.options_; }
  SimpleStore& store() { return layer_.store_; }
  ItemMetadata& metadata() { return *layer_.metadata_; }
  void Leave() { layer_.gate_.Leave(ticket_); }

  // Settles a pending write on `key` by reading it (a failed read leaves it
  // pending), then deletes `key` from the store when its metadata says it
  // has expired, so the composite command after it cannot find the item
  // there; then Proceed.
  void ExpireThenProceed(const std::string& key) {
    if (!metadata().HasPending(key)) {
      ExpireIfDue(key);
      return;
    }
    const std::string_view keys[] = {key};
    store().Get(*client_, keys, [this, &key](GetReply reply) {
      if (!reply.error && reply.values.size() == 1) {
        metadata().SettlePending(key, reply.values.front());
      }
      ExpireIfDue(key);
    });
  }

  void ExpireIfDue(const std::string& key) {
    if (!metadata().Expired(key, layer_.Now())) {
      Proceed();
      return;
    }
    store().Delete(*client_, key, [this, &key](DeleteReply) {
      metadata().EraseIfExpired(key, layer_.Now());
      Proceed();
    });
  }

  // Sets the value in the store and, when that succeeds, records `record_`
  // (flags and state; the cas explicit_cas_ names, else a fresh one) as the
  // key's metadata; when it fails, the store may have applied it all the
  // same, so `record_` is left pending on the value; then Stored. An item
  // that is stored already expired is deleted instead.
  void SetAndRecord(const std::string& key, int64_t store_exptime, std::string_view value) {
    const uint64_t value_size = value.size();
    record_.cas = explicit_cas_;
    if (record_.state.expires_at == kAlreadyExpired) {
      metadata().Erase(key);
      store().Delete(*client_, key, [this, value_size](DeleteReply reply) {
        if (reply.error) {
          Stored(StoreFailure(*std::move(reply.error)));
          return;
        }
        Stored(StoreAnswer(StoreOutcome::kStored, CasOfChange(), value_size));
      });
      return;
    }
    const uint64_t fingerprint = metadata().Fingerprint(value);
    store().Set(*client_, key, record_.flags, store_exptime, value,
                [this, &key, fingerprint, value_size](SetReply reply) {
                  if (reply.error) {
                    metadata().PutPending(key, fingerprint, record_, layer_.Now());
                    Stored(StoreFailure(*std::move(reply.error)));
                    return;
                  }
                  record_.cas = CasOfChange();
                  metadata().Put(key, record_);
                  Stored(StoreAnswer(StoreOutcome::kStored, record_.cas, value_size));
                });
  }

  // The cas of the item this call changes: the client's (meta E) or a fresh one.
  uint64_t CasOfChange() { return explicit_cas_ != 0 ? explicit_cas_ : metadata().NextCas(); }

  MetadataLayer& layer_;
  const ClientContext* const client_;
  // What SetAndRecord records.
  ItemMeta record_;
  // The cas the client chose for the item this call changes (meta E); 0:
  // the table makes one.
  uint64_t explicit_cas_ = 0;

 private:
  KeyGate::Ticket ticket_;
};

template <typename Result>
class MetadataLayer::Answering : public Call {
 public:
  Answering(MetadataLayer& layer, const ClientContext& client, Done<Result> done)
      : Call(layer, client), done_(std::move(done)) {}

 protected:
  // Leaves the gate, frees the call and answers.
  void Finish(Result result) {
    Leave();
    Done<Result> done = std::move(done_);
    delete this;
    std::move(done)(std::move(result));
  }

 private:
  Done<Result> done_;
};

// --- get, gets, gat, gats, mg, me --------------------------------------------

class MetadataLayer::GetCall final : public Answering<GetResult> {
 public:
  GetCall(MetadataLayer& layer, const ClientContext& client, const GetRequest& request,
          Done<GetResult> done)
      : Answering(layer, client, std::move(done)),
        holder_(std::make_shared<GetHolder>()),
        touch_exptime_(request.touch_exptime),
        meta_(request.meta) {
    holder_->keys.assign(request.keys.begin(), request.keys.end());
    if (meta_) explicit_cas_ = meta_->explicit_cas;
  }

 private:
  void Run() override {
    if (meta_) {
      ExpireThenProceed(holder_->keys.front());
      return;
    }
    Proceed();
  }

  void Proceed() override {
    const std::vector<std::string_view> keys(holder_->keys.begin(), holder_->keys.end());
    store().Get(*client_, keys, [this](GetReply reply) {
      if (reply.error || reply.values.size() != holder_->keys.size()) {
        Finish(Failure<GetResult>(reply.error ? *std::move(reply.error) : ReplyCountError()));
        return;
      }
      holder_->values = std::move(reply.values);
      if (meta_) {
        GotMeta();
      } else {
        Got();
      }
    });
  }

  // get/gets/gat/gats: the hits, with their metadata. Expired ones (and
  // ones gat expires) are deleted from the store before the answer.
  void Got() {
    const int64_t now = layer_.Now();
    for (std::size_t i = 0; i < holder_->keys.size(); ++i) {
      const std::string& key = holder_->keys[i];
      metadata().SettlePending(key, holder_->values[i]);
      if (!holder_->values[i]) continue;
      if (metadata().Expired(key, now)) {
        expired_.push_back(i);
        continue;
      }
      const ItemMeta meta = metadata().Update(key, now, [&](ItemMeta& m) {
        if (!touch_exptime_) return;
        const int64_t expires_at = AbsoluteExpiry(*touch_exptime_, now);
        // gat with a past time answers the item once, then it is gone.
        m.state.expires_at = expires_at == kAlreadyExpired ? 1 : expires_at;
        if (expires_at == kAlreadyExpired) expired_.push_back(i);
      });
      result_.hits.push_back(Hit{key, *holder_->values[i], meta.flags, meta.cas, holder_});
    }
    if (expired_.empty()) {
      Finish(std::move(result_));
      return;
    }
    deletes_left_.store(expired_.size(), std::memory_order_relaxed);
    for (std::size_t i : expired_) {
      store().Delete(*client_, holder_->keys[i], [this, i](DeleteReply) {
        metadata().EraseIfExpired(holder_->keys[i], layer_.Now());
        if (deletes_left_.fetch_sub(1, std::memory_order_acq_rel) == 1) Finish(std::move(result_));
      });
    }
  }

  // mg/me: one key, found or vivified.
  void GotMeta() {
    if (holder_->values.front()) {
      Answer(/*created=*/false);
      return;
    }
    if (!meta_->vivify) {
      Finish(GetResult{});
      return;
    }
    holder_->values.front().emplace();
    record_ = ItemMeta{0, 0, NewItemState(0, layer_.Now(), meta_->key_binary)};
    SetAndRecord(holder_->keys.front(), 0, "");
  }

  void Stored(StoreResult stored) override {
    if (stored.outcome != StoreOutcome::kStored) {
      Finish(Failure<GetResult>(std::move(stored.error)));
      return;
    }
    Answer(/*created=*/true);
  }

  void Answer(bool created) {
    const int64_t now = layer_.Now();
    const std::string& key = holder_->keys.front();
    const ItemMeta meta = metadata().Update(
        key, now, [&](ItemMeta& m) { result_.meta = ApplyMetaGet(*meta_, created, now, m.state); });
    result_.hits.push_back(Hit{key, *holder_->values.front(), meta.flags, meta.cas, holder_});
    Finish(std::move(result_));
  }

  std::shared_ptr<GetHolder> holder_;
  const std::optional<int64_t> touch_exptime_;
  const std::optional<MetaGetFields> meta_;
  GetResult result_;
  std::vector<std::size_t> expired_;
  std::atomic<std::size_t> deletes_left_{0};
};

// --- set, add, replace, append, prepend, cas, ms --------------------------------

class MetadataLayer::StoreCall final : public Answering<StoreResult> {
 public:
  StoreCall(MetadataLayer& layer, const ClientContext& client, const StoreRequest& request,
            StoreMode mode, Done<StoreResult> done)
      : Answering(layer, client, std::move(done)),
        key_(request.key),
        value_(request.value),
        mode_(mode),
        flags_(request.flags),
        exptime_(request.exptime),
        cas_(request.cas),
        invalidate_(request.invalidate),
        key_binary_(request.key_binary) {
    explicit_cas_ = request.explicit_cas;
  }

 private:
  bool appends() const { return mode_ == StoreMode::kAppend || mode_ == StoreMode::kPrepend; }

  void Run() override {
    // The seed: set stores whatever was there.
    if (mode_ == StoreMode::kSet) {
      Write();
      return;
    }
    ExpireThenProceed(key_);
  }

  void Proceed() override {
    if (appends()) {
      const std::string_view keys[] = {key_};
      store().Get(*client_, keys, [this](GetReply reply) { GotOld(std::move(reply)); });
      return;
    }
    store().Find(*client_, key_, [this](FindReply reply) { Found(std::move(reply)); });
  }

  // add, replace, cas (ms I among them).
  void Found(FindReply found) {
    if (found.error) {
      Finish(StoreFailure(*std::move(found.error)));
      return;
    }
    if (mode_ == StoreMode::kAdd && found.found) {
      Finish(StoreAnswer(StoreOutcome::kNotStored));
      return;
    }
    if (mode_ == StoreMode::kReplace && !found.found) {
      Finish(StoreAnswer(StoreOutcome::kNotStored));
      return;
    }
    if (mode_ == StoreMode::kCas) {
      if (!found.found) {
        Finish(StoreAnswer(StoreOutcome::kNotFound));
        return;
      }
      const int64_t now = layer_.Now();
      const ItemMeta meta = metadata().GetOrDefault(key_, now);
      if (meta.cas != cas_) {
        // ms I with an older cas stores the value anyway, stale, keeping
        // the item's TTL and win token.
        if (!invalidate_ || cas_ > meta.cas) {
          Finish(StoreAnswer(StoreOutcome::kExists));
          return;
        }
        record_ = ItemMeta{flags_, 0, StaleReplacement(meta.state, now, key_binary_)};
        SetAndRecord(key_, meta.state.expires_at, value_);
        return;
      }
    }
    Write();
  }

  // append, prepend: the new value is built from the old one, keeping its
  // flags and expiry.
  void GotOld(GetReply reply) {
    if (reply.error || reply.values.size() != 1) {
      Finish(StoreFailure(reply.error ? *std::move(reply.error) : ReplyCountError()));
      return;
    }
    if (!reply.values.front()) {
      Finish(StoreAnswer(StoreOutcome::kNotStored));
      return;
    }
    const int64_t now = layer_.Now();
    const ItemMeta meta = metadata().GetOrDefault(key_, now);
    if (cas_ != 0 && meta.cas != cas_) {
      Finish(StoreAnswer(StoreOutcome::kExists));
      return;
    }
    std::string& old = *reply.values.front();
    if (old.size() + value_.size() > options().max_item_size) {
      Finish(StoreAnswer(StoreOutcome::kTooLarge));
      return;
    }
    value_ = mode_ == StoreMode::kAppend ? old + value_ : value_ + old;
    record_ = ItemMeta{meta.flags, 0, NewItemState(meta.state.expires_at, now, key_binary_)};
    // An absolute expiry is past 30 days, so the store reads it as one.
    SetAndRecord(key_, meta.state.expires_at, value_);
  }

  // The request's value, flags and exptime.
  void Write() {
    const int64_t now = layer_.Now();
    const int64_t expires_at = metadata().ExpiresAt(exptime_, now);
    record_ = ItemMeta{flags_, 0, NewItemState(expires_at, now, key_binary_)};
    SetAndRecord(key_, exptime_, value_);
  }

  void Stored(StoreResult result) override { Finish(std::move(result)); }

  const std::string key_;
  std::string value_;
  const StoreMode mode_;
  const uint32_t flags_;
  const int64_t exptime_;
  const uint64_t cas_;
  const bool invalidate_;
  const bool key_binary_;
};

// --- delete, md -----------------------------------------------------------------

class MetadataLayer::DeleteCall final : public Answering<DeleteResult> {
 public:
  DeleteCall(MetadataLayer& layer, const ClientContext& client, const DeleteRequest& request,
             Done<DeleteResult> done)
      : Answering(layer, client, std::move(done)),
        key_(request.key),
        compare_cas_(request.compare_cas),
        invalidate_(request.invalidate),
        ttl_(request.ttl) {
    explicit_cas_ = request.explicit_cas;
  }

 private:
  void Run() override {
    if (!compare_cas_ && !invalidate_) {
      Remove();
      return;
    }
    ExpireThenProceed(key_);
  }

  // md C / md I: the item must exist in the store.
  void Proceed() override {
    store().Find(*client_, key_, [this](FindReply found) {
      if (found.error) {
        Finish(Failure<DeleteResult>(*std::move(found.error)));
        return;
      }
      DeleteResult result;
      const int64_t now = layer_.Now();
      if (!found.found) {
        result.outcome = DeleteOutcome::kNotFound;
      } else if (compare_cas_ && metadata().GetOrDefault(key_, now).cas != *compare_cas_) {
        result.outcome = DeleteOutcome::kExists;
      } else if (invalidate_) {
        metadata().Update(key_, now, [&](ItemMeta& m) {
          Invalidate(ttl_, now, m.state);
          m.cas = CasOfChange();
        });
      } else {
        Remove();
        return;
      }
      Finish(std::move(result));
    });
  }

  // An expired item is not found, but leaves the store all the same.
  void Remove() {
    const bool expired = metadata().Expired(key_, layer_.Now());
    metadata().Erase(key_);
    store().Delete(*client_, key_, [this, expired](DeleteReply reply) {
      if (reply.error) {
        Finish(Failure<DeleteResult>(*std::move(reply.error)));
        return;
      }
      DeleteResult result;
      result.outcome =
          reply.deleted && !expired ? DeleteOutcome::kDeleted : DeleteOutcome::kNotFound;
      Finish(std::move(result));
    });
  }

  const std::string key_;
  const std::optional<uint64_t> compare_cas_;
  const bool invalidate_;
  const std::optional<int64_t> ttl_;
};

// --- incr, decr, ma -------------------------------------------------------------

class MetadataLayer::ArithCall final : public Answering<ArithResult> {
 public:
  ArithCall(MetadataLayer& layer, const ClientContext& client, const ArithRequest& request,
            Done<ArithResult> done)
      : Answering(layer, client, std::move(done)), key_(request.key), request_(request) {
    request_.key = key_;
    explicit_cas_ = request.explicit_cas;
  }

 private:
  void Run() override { ExpireThenProceed(key_); }

  void Proceed() override {
    const std::string_view keys[] = {key_};
    store().Get(*client_, keys, [this](GetReply reply) { Got(std::move(reply)); });
  }

  void Got(GetReply reply) {
    if (reply.error || reply.values.size() != 1) {
      Finish(Failure<ArithResult>(reply.error ? *std::move(reply.error) : ReplyCountError()));
      return;
    }
    const int64_t now = layer_.Now();
    if (!reply.values.front()) {
      if (!request_.vivify) {
        ArithResult result;
        result.outcome = ArithOutcome::kNotFound;
        Finish(std::move(result));
        return;
      }
      value_ = request_.initial;
      record_ = ItemMeta{0, 0, NewItemState(0, now, false)};
      ttl_ = ApplyArithSteps(request_, /*created=*/true, now, record_.state.expires_at);
      SetAndRecord(key_, 0, FormatArithValue(value_, 0));
      return;
    }
    const ItemMeta meta = metadata().GetOrDefault(key_, now);
    ArithResult result;
    if (request_.compare_cas != 0 && meta.cas != request_.compare_cas) {
      result.outcome = ArithOutcome::kExists;
      Finish(std::move(result));
      return;
    }
    const std::string& old = *reply.values.front();
    const std::optional<uint64_t> current = ParseArithValue(old);
    if (!current) {
      result.outcome = ArithOutcome::kNonNumeric;
      Finish(std::move(result));
      return;
    }
    value_ = ApplyArith(request_.op, *current, request_.delta);
    // The item keeps its meta state, as memcached's in-place rewrite does.
    record_ = meta;
    ttl_ = ApplyArithSteps(request_, /*created=*/false, now, record_.state.expires_at);
    // memcached rewrites in place when the number fits: keep the length.
    SetAndRecord(key_, meta.state.expires_at, FormatArithValue(value_, old.size()));
  }

  void Stored(StoreResult stored) override {
    ArithResult result;
    if (stored.outcome != StoreOutcome::kStored) {
      result.outcome = ArithOutcome::kError;
      result.error = std::move(stored.error);
    } else {
      result.value = value_;
      result.cas = stored.cas;
      result.ttl = ttl_;
    }
    Finish(std::move(result));
  }

  const std::string key_;
  ArithRequest request_;  // its key points into key_
  uint64_t value_ = 0;
  int64_t ttl_ = -1;
};

// --- touch ------------------------------------------------------------------------

class MetadataLayer::TouchCall final : public Answering<TouchResult> {
 public:
  TouchCall(MetadataLayer& layer, const ClientContext& client, const TouchRequest& request,
            Done<TouchResult> done)
      : Answering(layer, client, std::move(done)), key_(request.key), exptime_(request.exptime) {}

 private:
  void Run() override { ExpireThenProceed(key_); }

  void Proceed() override {
    store().Find(*client_, key_, [this](FindReply found) {
      if (found.error) {
        Finish(Failure<TouchResult>(*std::move(found.error)));
        return;
      }
      TouchResult result;
      if (!found.found) {
        result.outcome = TouchOutcome::kNotFound;
        Finish(std::move(result));
        return;
      }
      const int64_t now = layer_.Now();
      const int64_t expires_at = metadata().ExpiresAt(exptime_, now);
      if (expires_at == kAlreadyExpired) {
        metadata().Erase(key_);
        store().Delete(*client_, key_, [this](DeleteReply) { Finish(TouchResult{}); });
        return;
      }
      metadata().Update(key_, now, [&](ItemMeta& m) { m.state.expires_at = expires_at; });
      Finish(std::move(result));
    });
  }

  const std::string key_;
  const int64_t exptime_;
};

// --- flush_all --------------------------------------------------------------------

// Runs as the gate's barrier: nothing else is in flight.
class MetadataLayer::FlushCall final : public Answering<FlushResult> {
 public:
  using Answering::Answering;

 private:
  void Run() override {
    metadata().Clear();
    store().FlushAll(*client_, [this](DoneReply reply) {
      if (reply.error) {
        Finish(Failure<FlushResult>(*std::move(reply.error)));
        return;
      }
      Finish(FlushResult{});
    });
  }
};

// --- the layer ----------------------------------------------------------------------

MetadataLayer::MetadataLayer(SimpleStore& store, MetadataLayerOptions options)
    : store_(store),
      options_(options),
      metadata_(options.no_extra
                    ? std::unique_ptr<ItemMetadata>(std::make_unique<PassThroughMetadata>())
                    : std::make_unique<MetadataTable>(options.shard_count)),
      gate_(options.shard_count) {}

MetadataLayer::MetadataLayer(std::unique_ptr<SimpleStore> store, MetadataLayerOptions options)
    : MetadataLayer(*store, options) {
  owned_store_ = std::move(store);
}

// An owned store goes first, while the side table it may still call back
// into is intact.
MetadataLayer::~MetadataLayer() { owned_store_.reset(); }

Capabilities MetadataLayer::capabilities() const {
  Capabilities capabilities;
  capabilities.meta_commands = !options_.no_extra;
  capabilities.access_state = !options_.no_extra;
  capabilities.recache_state = !options_.no_extra;
  capabilities.explicit_cas = !options_.no_extra;
  capabilities.in_order = true;
  return capabilities;
}

void MetadataLayer::Start(const ClientContext& client, std::span<const std::string_view> keys,
                          KeyGate::Mode mode, Call* call) {
  int64_t flush_at = flush_at_.load(std::memory_order_acquire);
  // Whoever clears the due time performs the flush, ahead of its own call.
  if (flush_at != 0 && Now() >= flush_at &&
      flush_at_.compare_exchange_strong(flush_at, 0, std::memory_order_acq_rel)) {
    StartFlush(client, [](FlushResult) {});
  }
  gate_.Enter(keys, mode, [call](KeyGate::Ticket ticket) { call->Begin(ticket); });
}

void MetadataLayer::StartFlush(const ClientContext& client, Done<FlushResult> done) {
  auto* call = new FlushCall(*this, client, std::move(done));
  gate_.EnterBarrier([call](KeyGate::Ticket ticket) { call->Begin(ticket); });
}

void MetadataLayer::Get(const ClientContext& client, const GetRequest& request,
                        Done<GetResult> done) {
  if (request.meta && options_.no_extra) {
    std::move(done)(NeedsMetadata<GetResult>());
    return;
  }
  if (request.meta && request.keys.size() != 1) {
    std::move(done)(Failure<GetResult>(BackendError{"a meta get takes one key", false}));
    return;
  }
  // Plain reads of one key run together; a touch or meta get changes state.
  const KeyGate::Mode mode =
      request.touch_exptime || request.meta ? KeyGate::Mode::kExclusive : KeyGate::Mode::kShared;
  Start(client, request.keys, mode, new GetCall(*this, client, request, std::move(done)));
}

void MetadataLayer::Store(const ClientContext& client, const StoreRequest& request,
                          Done<StoreResult> done) {
  if (request.value.size() > options_.max_item_size) {
    std::move(done)(StoreAnswer(StoreOutcome::kTooLarge));
    return;
  }
  const bool appends = request.mode == StoreMode::kAppend || request.mode == StoreMode::kPrepend;
  if (options_.no_extra && (request.invalidate || request.key_binary || request.explicit_cas != 0 ||
                            (appends && request.cas))) {
    std::move(done)(NeedsMetadata<StoreResult>());
    return;
  }
  // Without metadata there is no cas to compare: cas stores whatever was
  // there, as set does (the seed).
  const StoreMode mode =
      options_.no_extra && request.mode == StoreMode::kCas ? StoreMode::kSet : request.mode;
  Start(client, {&request.key, 1}, KeyGate::Mode::kExclusive,
        new StoreCall(*this, client, request, mode, std::move(done)));
}

void MetadataLayer::Delete(const ClientContext& client, const DeleteRequest& request,
                           Done<DeleteResult> done) {
  if (options_.no_extra && (request.compare_cas || request.invalidate)) {
    std::move(done)(NeedsMetadata<DeleteResult>());
    return;
  }
  Start(client, {&request.key, 1}, KeyGate::Mode::kExclusive,
        new DeleteCall(*this, client, request, std::move(done)));
}

void MetadataLayer::Arith(const ClientContext& client, const ArithRequest& request,
                          Done<ArithResult> done) {
  if (options_.no_extra && (request.compare_cas != 0 || request.vivify ||
                            request.steps.count != 0 || request.explicit_cas != 0)) {
    std::move(done)(NeedsMetadata<ArithResult>());
    return;
  }
  Start(client, {&request.key, 1}, KeyGate::Mode::kExclusive,
        new ArithCall(*this, client, request, std::move(done)));
}

void MetadataLayer::Touch(const ClientContext& client, const TouchRequest& request,
                          Done<TouchResult> done) {
  Start(client, {&request.key, 1}, KeyGate::Mode::kExclusive,
        new TouchCall(*this, client, request, std::move(done)));
}

void MetadataLayer::FlushAll(const ClientContext& client, const FlushRequest& request,
                             Done<FlushResult> done) {
  const int64_t at = request.delay_seconds <= 0 ? 0 : AbsoluteExpiry(request.delay_seconds, Now());
  if (at > 0) {
    flush_at_.store(at, std::memory_order_release);
    std::move(done)(FlushResult{});
    return;
  }
  flush_at_.store(0, std::memory_order_release);
  StartFlush(client, std::move(done));
}

void MetadataLayer::ClientOpened(const ClientContext& client, Done<OpenResult> done) {
  store_.Begin(client, [done = std::move(done)](BeginReply reply) mutable {
    OpenResult result;
    if (reply.refused) {
      result.outcome = OpenOutcome::kRefused;
      result.error = *std::move(reply.refused);
    }
    std::move(done)(std::move(result));
  });
}

void MetadataLayer::ClientClosed(const ClientContext& client) { store_.End(client); }

void MetadataLayer::Stats(Done<StatsResult> done) {
  StatsResult result;
  if (!options_.no_extra) {
    result.items.curr_items = MetadataSize();
    result.stats.push_back({"curr_items", std::to_string(result.items.curr_items)});
  }
  std::move(done)(std::move(result));
}

std::size_t MetadataLayer::MetadataSize() const { return metadata_->size(); }

}  // namespace memgate::backends
