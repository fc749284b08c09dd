// Channel set-up (credentials, reconnect backoff, message limits) and the
// bookkeeping every call shares.
#include "backends/grpc/grpc_channel.h"

#include <algorithm>
#include <fstream>
#include <limits>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace memgate::backends {
namespace {

// A service that went away is retried at most this far apart, so memgate
// recovers within about a second of its return without a restart.
constexpr int kMinReconnectBackoffMs = 100;
constexpr int kMaxReconnectBackoffMs = 1000;

// Room beside the largest value for the key list of a multi-key get and the
// message framing.
constexpr std::size_t kMessageOverhead = 1 << 20;

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> Credentials(
    const GrpcBackendOptions& options) {
  if (options.tls_ca_file.empty()) return grpc::InsecureChannelCredentials();
  std::ifstream file(options.tls_ca_file, std::ios::binary);
  std::ostringstream pem;
  pem << file.rdbuf();
  if (!file || pem.str().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--grpc-tls-ca: cannot read '", options.tls_ca_file, "'"));
  }
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = pem.str();
  return grpc::SslCredentials(ssl);
}

}  // namespace

absl::StatusOr<std::shared_ptr<GrpcChannel>> GrpcChannel::Create(GrpcBackendOptions options) {
  if (options.target.empty()) {
    return absl::InvalidArgumentError("--backend grpc needs --grpc-target");
  }
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials = Credentials(options);
  if (!credentials.ok()) return credentials.status();

  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, kMinReconnectBackoffMs);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, kMinReconnectBackoffMs);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, kMaxReconnectBackoffMs);
  // A channel of its own, not one sharing connections (and their backoff)
  // with other channels to the same target in this process.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  // No retry policy is configured, and the retry filter's per-call
  // bookkeeping costs more than it saves.
  args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
  const std::size_t send_limit = options.max_item_size + kMessageOverhead;
  args.SetMaxSendMessageSize(
      static_cast<int>(std::min<std::size_t>(send_limit, std::numeric_limits<int>::max())));
  // A multi-key get answers many values at once: the service is trusted to
  // bound what it sends.
  args.SetMaxReceiveMessageSize(-1);
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateCustomChannel(options.target, *credentials, args);
  return std::shared_ptr<GrpcChannel>(new GrpcChannel(std::move(options), std::move(channel)));
}

GrpcChannel::GrpcChannel(GrpcBackendOptions options, std::shared_ptr<grpc::Channel> channel)
    : options_(std::move(options)),
      channel_(std::move(channel)),
      stub_(backend::v1::BackendService::NewStub(channel_)) {}

GrpcChannel::~GrpcChannel() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](int* in_flight) { return *in_flight == 0; }, &in_flight_));
}

void GrpcChannel::BeginCall() {
  absl::MutexLock lock(&mu_);
  ++in_flight_;
}

void GrpcChannel::EndCall() {
  absl::MutexLock lock(&mu_);
  --in_flight_;
}

void GrpcChannel::Prepare(grpc::ClientContext& context, absl::Duration timeout,
                          bool wait_for_ready) const {
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  context.set_wait_for_ready(wait_for_ready);
  for (const GrpcHeader& header : options_.headers) {
    context.AddMetadata(header.name, header.value);
  }
}

void GrpcChannel::Record(const grpc::Status& status) {
  calls_.fetch_add(1, std::memory_order_relaxed);
  if (status.ok()) {
    reachable_.store(true, std::memory_order_relaxed);
    return;
  }
  failed_.fetch_add(1, std::memory_order_relaxed);
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
      unavailable_.fetch_add(1, std::memory_order_relaxed);
      reachable_.store(false, std::memory_order_relaxed);
      break;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      // Slow, or not there at all: the connectivity state tells which.
      deadline_exceeded_.fetch_add(1, std::memory_order_relaxed);
      break;
    default:
      // The service itself answered.
      reachable_.store(true, std::memory_order_relaxed);
      break;
  }
}

bool GrpcChannel::Reachable() {
  switch (channel_->GetState(/*try_to_connect=*/true)) {
    case GRPC_CHANNEL_READY:
      reachable_.store(true, std::memory_order_relaxed);
      break;
    case GRPC_CHANNEL_TRANSIENT_FAILURE:
    case GRPC_CHANNEL_SHUTDOWN:
      reachable_.store(false, std::memory_order_relaxed);
      break;
    case GRPC_CHANNEL_IDLE:
    case GRPC_CHANNEL_CONNECTING:
      // In between: the last verdict stands.
      break;
  }
  return reachable_.load(std::memory_order_relaxed);
}

GrpcCallCounts GrpcChannel::counts() const {
  return GrpcCallCounts{
      .calls = calls_.load(std::memory_order_relaxed),
      .failed = failed_.load(std::memory_order_relaxed),
      .unavailable = unavailable_.load(std::memory_order_relaxed),
      .deadline_exceeded = deadline_exceeded_.load(std::memory_order_relaxed),
  };
}

}  // namespace memgate::backends
