// AdminService: each RPC translated to ListenerManager / ClientRegistry calls,
// and WatchEvents fed from an EventBus subscription on its own thread.
#include "admin/admin_service.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "admin/admin_requests.h"
#include "admin/redacted_args.h"
#include "common/absl_compat.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "server/stats_reply.h"
#include "server/version.h"

namespace memgate::admin {
namespace {

using server::ClientSnapshot;
using server::DisconnectReason;
using server::Event;
using server::ListenerInfo;
using server::ListenerState;

constexpr std::string_view kListenersPrefix = "listeners/";
constexpr std::string_view kClientsPrefix = "clients/";
constexpr std::size_t kWatcherQueue = 1024;

// absl and gRPC share the canonical code numbers.
grpc::Status ToGrpc(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

void SetTime(std::chrono::system_clock::time_point time, google::protobuf::Timestamp* out) {
  const auto ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count();
  out->set_seconds(ns / 1'000'000'000);
  out->set_nanos(static_cast<int32_t>(ns % 1'000'000'000));
}

void SetDuration(std::chrono::nanoseconds d, google::protobuf::Duration* out) {
  out->set_seconds(d.count() / 1'000'000'000);
  out->set_nanos(static_cast<int32_t>(d.count() % 1'000'000'000));
}

std::string ListenerName(std::string_view id) {
  return id.empty() ? std::string() : absl::StrCat(ToAbsl(kListenersPrefix), ToAbsl(id));
}

std::string ClientName(uint64_t id) { return absl::StrCat(ToAbsl(kClientsPrefix), id); }

// NOT_FOUND when a filter names a listener that does not exist: a typo must
// not look like an empty result.
grpc::Status ListenerExists(server::ListenerManager& listeners, std::string_view id) {
  if (id.empty()) return grpc::Status::OK;
  return ToGrpc(listeners.Get(id).status());
}

void ToProto(const ListenerInfo& info, v1::Listener* out) {
  out->set_name(ListenerName(info.options.id));
  out->set_id(info.options.id);
  out->set_address(info.options.address);
  out->set_bound_address(info.bound_address);
  out->set_state(info.state == ListenerState::kDraining ? v1::Listener::DRAINING
                                                        : v1::Listener::ACCEPTING);
  out->set_max_clients(info.options.max_clients);
  if (info.options.idle_timeout.count() > 0) {
    SetDuration(info.options.idle_timeout, out->mutable_idle_timeout());
  }
  SetTime(info.created_at, out->mutable_create_time());
  if (info.drain_deadline) SetTime(*info.drain_deadline, out->mutable_drain_deadline());
  out->set_connected_clients(info.clients);
  out->set_accepted_clients(info.accepted);
  out->set_rejected_clients(info.rejected);
}

void ToProto(const ClientSnapshot& snapshot, v1::Client* out) {
  out->set_name(ClientName(snapshot.client.id));
  out->set_id(snapshot.client.id);
  out->set_listener(ListenerName(snapshot.client.listener));
  out->set_peer(snapshot.client.peer);
  SetTime(snapshot.connected_at, out->mutable_connect_time());
  SetTime(snapshot.last_activity, out->mutable_last_activity_time());
  out->set_commands(snapshot.commands);
  out->set_bytes_in(snapshot.bytes_in);
  out->set_bytes_out(snapshot.bytes_out);
}

v1::DisconnectReason ToProto(DisconnectReason reason) {
  switch (reason) {
    case DisconnectReason::kClientClosed:
      return v1::CLIENT_CLOSED;
    case DisconnectReason::kKicked:
      return v1::KICKED;
    case DisconnectReason::kIdle:
      return v1::IDLE;
    case DisconnectReason::kError:
      return v1::ERROR;
    case DisconnectReason::kShutdown:
      return v1::SHUTDOWN;
  }
  return v1::DISCONNECT_REASON_UNSPECIFIED;
}

void ToProto(const Event& event, v1::Event* out) {
  SetTime(event.time, out->mutable_time());
  const std::string listener = ListenerName(event.listener_id);
  switch (event.type) {
    case Event::Type::kClientConnected: {
      auto* e = out->mutable_client_connected();
      e->set_client(ClientName(event.client_id));
      e->set_listener(listener);
      e->set_peer(event.peer);
      break;
    }
    case Event::Type::kClientDisconnected: {
      auto* e = out->mutable_client_disconnected();
      e->set_client(ClientName(event.client_id));
      e->set_listener(listener);
      e->set_peer(event.peer);
      e->set_reason(ToProto(event.reason));
      break;
    }
    case Event::Type::kListenerCreated: {
      auto* e = out->mutable_listener_created();
      e->set_listener(listener);
      e->set_address(event.address);
      break;
    }
    case Event::Type::kListenerDraining: {
      auto* e = out->mutable_listener_draining();
      e->set_listener(listener);
      e->set_address(event.address);
      break;
    }
    case Event::Type::kListenerClosed: {
      auto* e = out->mutable_listener_closed();
      e->set_listener(listener);
      e->set_address(event.address);
      break;
    }
  }
}

void ToProto(const BackendState& state, v1::BackendState* out) {
  out->set_kind(state.kind);
  out->set_target(state.target);
  if (!state.reachable) {
    out->set_reachability(v1::BackendState::LOCAL);
  } else {
    out->set_reachability(*state.reachable ? v1::BackendState::REACHABLE
                                           : v1::BackendState::UNREACHABLE);
  }
  if (!state.redis) return;
  const RedisBackendState& redis = *state.redis;
  v1::RedisBackendState* r = out->mutable_redis();
  r->set_mode(redis.mode);
  r->set_connections(redis.connections);
  r->set_connected(redis.connected);
  r->set_connects(redis.connects);
  r->set_reconnects(redis.reconnects);
  r->set_commands(redis.commands);
  r->set_errors(redis.errors);
  r->set_timeouts(redis.timeouts);
  r->set_cluster_slots_served(redis.cluster_slots_served);
  for (const RedisClusterNodeState& node : redis.cluster_nodes) {
    v1::RedisClusterNode* n = r->add_cluster_nodes();
    n->set_address(node.address);
    n->set_slots(node.slots);
    n->set_connected(node.connected);
    n->set_commands(node.commands);
    n->set_errors(node.errors);
  }
}

}  // namespace

// One WatchEvents stream. A dedicated thread waits on the subscription and
// writes one event at a time; while it waits for a write to complete, new
// events queue in the bounded subscription (and are counted as dropped when
// it overflows), so a slow watcher never holds up the data path.
class AdminService::EventWriter final : public grpc::ServerWriteReactor<v1::Event> {
 public:
  EventWriter(std::shared_ptr<server::EventSubscription> subscription, std::string listener)
      : subscription_(std::move(subscription)), listener_(std::move(listener)) {
    // Initial metadata tells the client that the subscription is active.
    StartSendInitialMetadata();
    thread_ = std::thread([this] { Run(); });
  }

  // Ends a stream that never started (bad request, no permission).
  static EventWriter* Failed(grpc::Status status) { return new EventWriter(std::move(status)); }

  void OnWriteDone(bool ok) override {
    std::lock_guard lock(mu_);
    writing_ = false;
    if (!ok) broken_ = true;
    cv_.notify_all();
  }

  void OnCancel() override {
    {
      std::lock_guard lock(mu_);
      broken_ = true;
      cv_.notify_all();
    }
    if (subscription_) subscription_->Cancel();
  }

  void OnDone() override {
    if (thread_.joinable()) {
      if (thread_.get_id() == std::this_thread::get_id()) {
        thread_.detach();
      } else {
        thread_.join();
      }
    }
    delete this;
  }

 private:
  explicit EventWriter(grpc::Status status) { Finish(std::move(status)); }

  void Run() {
    while (true) {
      uint64_t dropped = 0;
      std::vector<Event> events = subscription_->Next(absl::Milliseconds(500), dropped);
      if (subscription_->cancelled()) break;
      if (dropped > 0) {
        v1::Event marker;
        SetTime(std::chrono::system_clock::now(), marker.mutable_time());
        marker.mutable_events_dropped()->set_count(dropped);
        if (!Write(std::move(marker))) break;
      }
      bool ok = true;
      for (const Event& event : events) {
        if (!listener_.empty() && event.listener_id != listener_) continue;
        v1::Event message;
        ToProto(event, &message);
        if (!(ok = Write(std::move(message)))) break;
      }
      if (!ok) break;
    }
    bool broken;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return !writing_; });
      broken = broken_;
    }
    Finish(broken ? grpc::Status::CANCELLED
                  : grpc::Status(grpc::StatusCode::UNAVAILABLE, "memgate is shutting down"));
  }

  // Waits for the previous write, then starts this one. False when the
  // stream is gone.
  bool Write(v1::Event message) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return !writing_ || broken_; });
      if (broken_) return false;
      writing_ = true;
      message_ = std::move(message);
    }
    StartWrite(&message_);
    return true;
  }

  std::shared_ptr<server::EventSubscription> subscription_;
  const std::string listener_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool writing_ = false;  // a StartWrite is outstanding (message_ is in use)
  bool broken_ = false;   // cancelled, or a write failed
  v1::Event message_;
};

AdminService::AdminService(server::Server& server, AdminServiceOptions options)
    : server_(server), options_(std::move(options)) {}

AdminService::~AdminService() { Shutdown(); }

void AdminService::Shutdown() {
  std::vector<std::weak_ptr<server::EventSubscription>> watchers;
  {
    absl::MutexLock lock(&mu_);
    shut_down_ = true;
    watchers.swap(watchers_);
  }
  for (const auto& weak : watchers) {
    if (auto subscription = weak.lock()) subscription->Cancel();
  }
}

grpc::Status AdminService::Authorize(const grpc::CallbackServerContext& context) const {
  const auto& metadata = context.client_metadata();
  const auto it = metadata.find("authorization");
  std::optional<std::string_view> header;
  if (it != metadata.end()) header = std::string_view(it->second.data(), it->second.size());
  return CheckAuthorization(header, options_.token);
}

template <typename Handler>
grpc::ServerUnaryReactor* AdminService::Unary(grpc::CallbackServerContext* context,
                                              Handler handler) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  grpc::Status status = Authorize(*context);
  if (status.ok()) status = handler();
  reactor->Finish(status);
  return reactor;
}

grpc::ServerUnaryReactor* AdminService::CreateListener(grpc::CallbackServerContext* context,
                                                       const v1::CreateListenerRequest* request,
                                                       v1::Listener* response) {
  return Unary(context, [&]() -> grpc::Status {
    server::ListenerOptions options;
    if (grpc::Status s = ParseCreateListener(*request, options); !s.ok()) return s;
    absl::StatusOr<ListenerInfo> info = server_.listeners().Open(std::move(options));
    if (!info.ok()) return ToGrpc(info.status());
    ToProto(*info, response);
    return grpc::Status::OK;
  });
}

grpc::ServerUnaryReactor* AdminService::GetListener(grpc::CallbackServerContext* context,
                                                    const v1::GetListenerRequest* request,
                                                    v1::Listener* response) {
  return Unary(context, [&]() -> grpc::Status {
    std::string id;
    if (grpc::Status s = ParseListenerName(request->name(), id); !s.ok()) return s;
    absl::StatusOr<ListenerInfo> info = server_.listeners().Get(id);
    if (!info.ok()) return ToGrpc(info.status());
    ToProto(*info, response);
    return grpc::Status::OK;
  });
}

grpc::ServerUnaryReactor* AdminService::ListListeners(grpc::CallbackServerContext* context,
                                                      const v1::ListListenersRequest* request,
                                                      v1::ListListenersResponse* response) {
  return Unary(context, [&]() -> grpc::Status {
    for (const ListenerInfo& info : server_.listeners().List()) {
      ToProto(info, response->add_listeners());
    }
    return grpc::Status::OK;
  });
}

grpc::ServerUnaryReactor* AdminService::DeleteListener(grpc::CallbackServerContext* context,
                                                       const v1::DeleteListenerRequest* request,
                                                       v1::Listener* response) {
  return Unary(context, [&]() -> grpc::Status {
    DeleteListenerArgs args;
    if (grpc::Status s = ParseDeleteListener(*request, args); !s.ok()) return s;
    const std::string& id = args.id;
    absl::StatusOr<ListenerInfo> before = server_.listeners().Get(id);
    if (!before.ok()) return ToGrpc(before.status());
    // Close returns once the socket is closed (waiting holds only this gRPC
    // thread), so the address may be reused at once.
    if (absl::Status closed = server_.listeners().Close(id, args.mode, args.drain_timeout);
        !closed.ok()) {
      return ToGrpc(closed);
    }
    // Still listed: draining until its clients leave. Gone: closed.
    absl::StatusOr<ListenerInfo> after = server_.listeners().Get(id);
    if (after.ok()) {
      ToProto(*after, response);
    } else {
      ToProto(*before, response);
      response->set_state(v1::Listener::CLOSED);
      response->clear_drain_deadline();
      response->set_connected_clients(server_.clients().CountForListener(id));
    }
    return grpc::Status::OK;
  });
}

grpc::ServerUnaryReactor* AdminService::ListClients(grpc::CallbackServerContext* context,
                                                    const v1::ListClientsRequest* request,
                                                    v1::ListClientsResponse* response) {
  return Unary(context, [&]() -> grpc::Status {
    ListClientsArgs args;
    if (grpc::Status s = ParseListClients(*request, args); !s.ok()) return s;
    const std::string& listener = args.listener;
    if (grpc::Status s = ListenerExists(server_.listeners(), listener); !s.ok()) return s;
    const std::vector<ClientSnapshot> clients = server_.clients().List(listener);
    response->set_total_size(static_cast<int32_t>(clients.size()));
    auto it =
        std::lower_bound(clients.begin(), clients.end(), args.first_id,
                         [](const ClientSnapshot& c, uint64_t id) { return c.client.id < id; });
    for (int32_t n = 0; it != clients.end() && n < args.page_size; ++it, ++n) {
      ToProto(*it, response->add_clients());
    }
    if (it != clients.end()) response->set_next_page_token(PageToken(it->client.id, listener));
    return grpc::Status::OK;
  });
}

grpc::ServerUnaryReactor* AdminService::GetClient(grpc::CallbackServerContext* context,
                                                  const v1::GetClientRequest* request,
                                                  v1::Client* response) {
  return Unary(context, [&]() -> grpc::Status {
    uint64_t id = 0;
    if (grpc::Status s = ParseClientName(request->name(), id); !s.ok()) return s;
    std::optional<ClientSnapshot> snapshot = server_.clients().Get(id);
    if (!snapshot) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND, absl::StrCat("no client ", id));
    }
    ToProto(*snapshot, response);
    return grpc::Status::OK;
  });
}

grpc::ServerUnaryReactor* AdminService::DisconnectClient(grpc::CallbackServerContext* context,
                                                         const v1::DisconnectClientRequest* request,
                                                         v1::Client* response) {
  return Unary(context, [&]() -> grpc::Status {
    uint64_t id = 0;
    if (grpc::Status s = ParseClientName(request->name(), id); !s.ok()) return s;
    std::optional<ClientSnapshot> snapshot = server_.clients().Get(id);
    if (!snapshot || !server_.clients().Disconnect(id, DisconnectReason::kKicked)) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND, absl::StrCat("no client ", id));
    }
    ToProto(*snapshot, response);
    return grpc::Status::OK;
  });
}

grpc::ServerUnaryReactor* AdminService::GetStats(grpc::CallbackServerContext* context,
                                                 const v1::GetStatsRequest* request,
                                                 v1::Stats* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (grpc::Status status = Authorize(*context); !status.ok()) {
    reactor->Finish(std::move(status));
    return reactor;
  }
  // The backend may answer later (a remote one): the reply waits for it,
  // no thread does.
  server_.backend().Stats([this, reactor, response](backends::StatsResult b) {
    const server::ServerStats& stats = server_.stats();
    const server::CounterTotals t = server_.stats().Totals();
    const backends::ItemStats& items = b.items;
    const int64_t now = std::time(nullptr);
    SetDuration(std::chrono::seconds(std::max<int64_t>(0, now - server_.start_time())),
                response->mutable_uptime());
    SetTime(std::chrono::system_clock::now(), response->mutable_time());
    response->set_max_connections(server_.options().max_connections);
    response->set_curr_connections(stats.curr_connections.load(std::memory_order_relaxed));
    response->set_total_connections(stats.total_connections.load(std::memory_order_relaxed));
    response->set_rejected_connections(stats.rejected_connections.load(std::memory_order_relaxed));
#define MEMGATE_SET_COUNTER(name) response->set_##name(t.name);
    MEMGATE_THREAD_COUNTERS(MEMGATE_SET_COUNTER)
#undef MEMGATE_SET_COUNTER
    response->set_get_expired(items.get_expired);
    response->set_get_flushed(items.get_flushed);
    response->set_limit_maxbytes(items.limit_maxbytes);
    response->set_threads(static_cast<uint32_t>(server_.options().threads));
    response->set_bytes(items.bytes);
    response->set_curr_items(items.curr_items);
    response->set_total_items(items.total_items);
    response->set_expired_unfetched(items.expired_unfetched);
    response->set_evicted_unfetched(items.evicted_unfetched);
    response->set_evictions(items.evictions);
    response->set_reclaimed(items.reclaimed);
    response->set_backend(std::string(server_.backend().Name()));
    for (const ListenerInfo& info : server_.listeners().List()) {
      v1::ListenerStats* l = response->add_listeners();
      l->set_listener(ListenerName(info.options.id));
      l->set_connected_clients(info.clients);
      l->set_accepted_clients(info.accepted);
      l->set_rejected_clients(info.rejected);
    }
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

grpc::ServerUnaryReactor* AdminService::GetServerInfo(grpc::CallbackServerContext* context,
                                                      const v1::GetServerInfoRequest* request,
                                                      v1::ServerInfo* response) {
  return Unary(context, [&]() -> grpc::Status {
    response->set_version(MEMGATE_VERSION);
    response->set_protocol_version(MEMGATE_PROTOCOL_VERSION);
    response->set_backend(std::string(server_.backend().Name()));
    response->set_threads(static_cast<uint32_t>(server_.options().threads));
    response->mutable_start_time()->set_seconds(server_.start_time());
    SetDuration(
        std::chrono::seconds(std::max<int64_t>(0, std::time(nullptr) - server_.start_time())),
        response->mutable_uptime());
    for (const std::string& arg : RedactedArgs(options_.args)) response->add_args(arg);
    response->set_pid(getpid());
    response->set_max_connections(server_.options().max_connections);
    response->set_max_item_size(server_.options().max_item_size);
    if (options_.backend_state) {
      ToProto(options_.backend_state(), response->mutable_backend_state());
    } else {
      response->mutable_backend_state()->set_kind(std::string(server_.backend().Name()));
    }
    return grpc::Status::OK;
  });
}

grpc::ServerWriteReactor<v1::Event>* AdminService::WatchEvents(
    grpc::CallbackServerContext* context, const v1::WatchEventsRequest* request) {
  if (grpc::Status s = Authorize(*context); !s.ok()) return EventWriter::Failed(std::move(s));
  std::string listener;
  if (grpc::Status s = ParseWatchEvents(*request, listener); !s.ok()) {
    return EventWriter::Failed(std::move(s));
  }
  if (grpc::Status s = ListenerExists(server_.listeners(), listener); !s.ok()) {
    return EventWriter::Failed(std::move(s));
  }
  std::shared_ptr<server::EventSubscription> subscription =
      server_.events().Subscribe(kWatcherQueue);
  {
    absl::MutexLock lock(&mu_);
    if (shut_down_) {
      return EventWriter::Failed(
          grpc::Status(grpc::StatusCode::UNAVAILABLE, "memgate is shutting down"));
    }
    std::erase_if(watchers_, [](const auto& weak) { return weak.expired(); });
    watchers_.push_back(subscription);
  }
  return new EventWriter(std::move(subscription), std::move(listener));
}

}  // namespace memgate::admin

namespace memgate::admin {

void AdminService::SetReloadHandler(ReloadHandler handler) {
  absl::MutexLock lock(&mu_);
  reload_ = std::move(handler);
}

grpc::ServerUnaryReactor* AdminService::ReloadConfig(grpc::CallbackServerContext* context,
                                                     const v1::ReloadConfigRequest* request,
                                                     v1::ReloadConfigResponse* response) {
  return Unary(context, [&]() -> grpc::Status {
    ReloadHandler reload;
    {
      absl::MutexLock lock(&mu_);
      reload = reload_;
    }
    if (!reload) {
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "reloading is not available");
    }
    absl::StatusOr<ReloadOutcome> outcome = reload();
    if (!outcome.ok()) return ToGrpc(outcome.status());
    for (const std::string& line : outcome->applied) response->add_applied(line);
    for (const std::string& line : outcome->not_applied) response->add_not_applied(line);
    return grpc::Status::OK;
  });
}

}  // namespace memgate::admin
