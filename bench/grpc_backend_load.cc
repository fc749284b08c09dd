// The gRPC driver (see grpc_backend_load.h): each logical connection keeps
// its calls in flight with the callback API; completions run on gRPC's own
// threads, so a connection's counters sit behind its own mutex.
#include "bench/grpc_backend_load.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "memgate/backend/v1/backend.grpc.pb.h"

namespace memgate::bench {
namespace {

namespace pb = memgate::backend::v1;
using Stub = pb::BackendService::Stub;

// What the connections of one phase share.
struct Phase {
  std::atomic<bool> stop{false};  // the measured duration is over
  std::atomic<int> active{0};     // connections with calls still in flight
  absl::Notification done;

  void Finished() {
    if (active.fetch_sub(1) == 1) done.Notify();
  }
};

class GrpcConnection {
 public:
  GrpcConnection(Phase& phase, Stub& stub, const KeySpace& keys, OpSource source, int depth,
                 int max_keys, uint64_t id)
      : phase_(phase),
        stub_(stub),
        keys_(keys),
        source_(std::move(source)),
        depth_(depth),
        max_keys_(static_cast<uint32_t>(max_keys)),
        id_(id) {}

  // Issues the first `depth` calls; each completion issues the next.
  void Start() {
    std::vector<std::unique_ptr<Call>> first;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (int i = 0; i < depth_; ++i) {
        std::unique_ptr<Call> call = DrawLocked();
        if (call == nullptr) break;
        first.push_back(std::move(call));
      }
      in_flight_ = static_cast<int>(first.size());
      if (in_flight_ == 0) finished_ = true;
    }
    if (first.empty()) {
      phase_.Finished();
      return;
    }
    for (std::unique_ptr<Call>& call : first) Issue(std::move(call));
  }

  Stats& stats() { return stats_; }  // read once the phase is done

 private:
  struct Call {
    grpc::ClientContext context;
    Request::Kind kind = Request::Kind::kGet;
    uint32_t key_count = 0;
    std::vector<uint64_t> keys;
    int64_t sent_ns = 0;
    pb::GetRequest get;
    pb::GetResponse get_reply;
    pb::SetRequest set;
    pb::SetResponse set_reply;
  };

  // The next request, or nullptr when this connection is done. A slot in
  // in_flight_ stays taken from one call to the next, so the connection
  // finishes exactly once, when the last slot is given up.
  std::unique_ptr<Call> DrawLocked() {
    if (broken_) return nullptr;
    auto call = std::make_unique<Call>();
    call->keys.resize(max_keys_);
    if (!source_.Next(phase_.stop.load(std::memory_order_relaxed), &call->kind, call->keys.data(),
                      &call->key_count)) {
      return nullptr;
    }
    return call;
  }

  void FillClient(pb::Client* client) const {
    client->set_id(id_);
    client->set_peer("memgate-bench");
  }

  void Issue(std::unique_ptr<Call> owned) {
    Call* call = owned.release();
    const std::size_t key_size = keys_.key_size();
    if (call->kind == Request::Kind::kGet) {
      FillClient(call->get.mutable_client());
      for (uint32_t i = 0; i < call->key_count; ++i) {
        std::string* key = call->get.add_keys();
        key->resize(key_size);
        keys_.WriteKey(call->keys[i], key->data());
      }
    } else {
      FillClient(call->set.mutable_client());
      const uint64_t k = call->keys[0];
      call->set.mutable_key()->resize(key_size);
      keys_.WriteKey(k, call->set.mutable_key()->data());
      call->set.set_flags(static_cast<uint32_t>(k % 65536));
      call->set.mutable_value()->resize(keys_.value_size());
      keys_.WriteValue(k, call->set.mutable_value()->data());
    }
    // The stall guard of the socket driver: no reply in this long fails it.
    call->context.set_deadline(std::chrono::system_clock::now() + kStallTimeout);
    call->sent_ns = NowNs();
    auto done = [this, call](grpc::Status status) { OnDone(std::unique_ptr<Call>(call), status); };
    if (call->kind == Request::Kind::kGet) {
      stub_.async()->Get(&call->context, &call->get, &call->get_reply, std::move(done));
    } else {
      stub_.async()->Set(&call->context, &call->set, &call->set_reply, std::move(done));
    }
  }

  void OnDone(std::unique_ptr<Call> call, const grpc::Status& status) {
    const int64_t now = NowNs();
    std::unique_ptr<Call> next;
    bool finished = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      Record(*call, status, now);
      call.reset();
      next = DrawLocked();
      if (next == nullptr && --in_flight_ == 0 && !finished_) finished_ = finished = true;
    }
    if (next != nullptr) Issue(std::move(next));
    if (finished) phase_.Finished();
  }

  void Record(const Call& call, const grpc::Status& status, int64_t now) {
    if (!status.ok()) {
      // As a broken socket: counted once, and the connection stops.
      if (!broken_) {
        ++stats_.failed_connections;
        stats_.Note(
            absl::StrCat("grpc status ", status.error_code(), ": ", status.error_message()));
      }
      broken_ = true;
      return;
    }
    ++stats_.requests;
    stats_.latency.Record(static_cast<uint64_t>(std::max<int64_t>(0, now - call.sent_ns)));
    if (call.kind == Request::Kind::kSet) {
      ++stats_.sets;
      if (call.set_reply.has_failure()) {
        ++stats_.wrong_replies;
        stats_.Note(absl::StrCat("Set failure: ", call.set_reply.failure().message()));
      }
      return;
    }
    ++stats_.gets;
    stats_.get_keys += call.key_count;
    const pb::GetResponse& reply = call.get_reply;
    if (reply.has_failure()) {
      ++stats_.wrong_replies;
      stats_.Note(absl::StrCat("Get failure: ", reply.failure().message()));
      return;
    }
    if (reply.items_size() != static_cast<int>(call.key_count)) {
      ++stats_.wrong_replies;
      stats_.Note(absl::StrCat("Get answered ", reply.items_size(), " items for ", call.key_count,
                               " keys"));
      return;
    }
    for (uint32_t i = 0; i < call.key_count; ++i) {
      const pb::Item& item = reply.items(static_cast<int>(i));
      if (!item.found()) {
        ++stats_.misses;
        continue;
      }
      const uint64_t k = call.keys[i];
      const bool flags_ok = !reply.metadata() || item.flags() == k % 65536;
      if (!keys_.CheckValue(k, item.value()) || !flags_ok) {
        ++stats_.wrong_replies;
        stats_.Note(absl::StrCat("wrong value or flags for key index ", k));
        continue;
      }
      ++stats_.hits;
    }
  }

  Phase& phase_;
  Stub& stub_;
  const KeySpace& keys_;
  std::mutex mu_;
  OpSource source_;  // guarded by mu_, as are the fields below
  Stats stats_;
  int in_flight_ = 0;
  bool broken_ = false;
  bool finished_ = false;
  const int depth_;
  const uint32_t max_keys_;
  const uint64_t id_;
};

}  // namespace

PhaseResult RunGrpcBackendPhase(const Options& o, const KeySpace& keys, const KeyChooser& chooser,
                                OpSource::Mode mode, uint64_t phase_seed) {
  const bool prefill = mode == OpSource::Mode::kPrefill;
  const int depth = prefill ? std::max(o.pipeline, o.prefill_pipeline) : o.pipeline;
  const int max_keys = prefill ? 1 : o.multiget;
  const auto conns = static_cast<uint64_t>(o.connections);
  PhaseResult result;

  // Separate subchannel pools make separate TCP connections per channel.
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);
  args.SetMaxSendMessageSize(-1);
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  std::vector<std::unique_ptr<Stub>> stubs;
  for (int i = 0; i < std::max(1, o.grpc_channels); ++i) {
    channels.push_back(
        grpc::CreateCustomChannel(o.server, grpc::InsecureChannelCredentials(), args));
    if (!channels.back()->WaitForConnected(std::chrono::system_clock::now() +
                                           std::chrono::seconds(5))) {
      result.stats.connect_failures = result.stats.failed_connections = conns;
      result.stats.Note(absl::StrCat("cannot connect to ", o.server, " over gRPC"));
      return result;
    }
    stubs.push_back(pb::BackendService::NewStub(channels.back()));
  }

  Phase phase;
  std::vector<std::unique_ptr<GrpcConnection>> connections;
  for (uint64_t c = 0; c < conns; ++c) {
    const uint64_t quota = o.requests / conns + (c < o.requests % conns ? 1 : 0);
    OpSource source(mode, o, chooser, /*first=*/c, /*stride=*/conns, quota,
                    o.seed * 1'000'003 + phase_seed * 7919 + c);
    connections.push_back(std::make_unique<GrpcConnection>(
        phase, *stubs[c % stubs.size()], keys, std::move(source), depth, max_keys, c + 1));
  }
  phase.active = static_cast<int>(connections.size());

  const double cpu0 = CpuSeconds();
  const int64_t start = NowNs();
  for (auto& connection : connections) connection->Start();
  const bool timed = !prefill && o.requests == 0;
  if (timed && !phase.done.WaitForNotificationWithTimeout(absl::Seconds(o.duration))) {
    phase.stop = true;
  }
  phase.done.WaitForNotification();
  const int64_t finished = NowNs();

  for (auto& connection : connections) result.stats.Merge(connection->stats());
  result.elapsed_s = static_cast<double>(finished - start) / 1e9;
  result.client_cpu_s = CpuSeconds() - cpu0;
  return result;
}

}  // namespace memgate::bench
