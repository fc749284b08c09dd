// memgatectl: the command-line client of memgate's admin API. Human tables by
// default, --json for scripts; errors name the gRPC status code.
//
// Exit codes: 0 success, 1 the server answered with an error (or could not be
// reached), 2 a usage error.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/util/json_util.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "memgate/admin/v1/admin.grpc.pb.h"

namespace {

namespace v1 = memgate::admin::v1;

constexpr char kUsage[] = R"(usage: memgatectl [options] COMMAND

commands:
  listeners list                     open listeners
  listeners get ID                   one listener
  listeners create ADDR [--id ID] [--max-clients N] [--idle-timeout DURATION]
                                     open a listener (host:port, [v6]:port,
                                     unix:/path; port 0 picks a free port)
  listeners delete ID [--drain DURATION | --now]
                                     stop accepting; --drain closes the
                                     clients after DURATION (or when they
                                     leave), --now closes them at once;
                                     neither: they stay connected
  clients list [--listener ID]       connected clients
  clients get ID                     one client
  clients kill ID                    disconnect a client
  stats                              the memcached `stats` counters
  info                               version, backend and its state, threads, uptime, flags
  reload                             re-read the config file (as SIGHUP);
                                     prints what changed and what did not
  watch [--listener ID] [--count N]  print events as they happen (N: stop
                                     after N events)
  health [--service NAME]            grpc.health.v1 Check of the server (or of
                                     NAME, e.g. memgate.backend); exit 0 only
                                     when SERVING. Works against any gRPC
                                     server with the health service, needs no
                                     token: made for container healthchecks

options:
  --admin ADDR        admin API address (default $MEMGATE_ADMIN or
                      127.0.0.1:50051)
  --token-file FILE   send "authorization: Bearer <token in FILE>"
  --tls               use TLS with the system's root certificates
  --tls-ca FILE       use TLS, trusting the PEM certificates in FILE
  --json              print JSON (one object; `watch`: one per line)
  --timeout DURATION  deadline for each call (default 10s)
  -h, --help          this text

DURATION: 30s, 500ms, 2m, 1h30m, or a number of seconds.
exit status: 0 ok, 1 the server returned an error (health: or is not
SERVING), 2 bad usage.
)";

struct UsageError {
  std::string message;
};

struct Options {
  std::string admin;
  std::string token_file;
  std::string tls_ca;
  bool tls = false;
  bool json = false;
  absl::Duration timeout = absl::Seconds(10);
  std::vector<std::string> words;            // the command and its operands
  std::map<std::string, std::string> flags;  // command flags: --id, --drain, ...
  bool now = false;
};

absl::Duration ParseDurationArg(const std::string& flag, const std::string& text) {
  double seconds = 0;
  if (absl::SimpleAtod(text, &seconds) && seconds >= 0) return absl::Seconds(seconds);
  absl::Duration d;
  if (!absl::ParseDuration(text, &d) || d < absl::ZeroDuration()) {
    throw UsageError{absl::StrCat(flag, ": bad duration \"", text, "\" (try 30s, 500ms, 2m)")};
  }
  return d;
}

Options ParseArgs(int argc, char** argv) {
  Options options;
  if (const char* env = std::getenv("MEMGATE_ADMIN"); env != nullptr && *env != '\0') {
    options.admin = env;
  } else {
    options.admin = "127.0.0.1:50051";
  }
  static const char* const kCommandFlags[] = {
      "--id", "--max-clients", "--idle-timeout", "--drain", "--listener", "--count", "--service"};
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    bool has_value = false;
    if (arg.starts_with("--")) {
      if (auto eq = arg.find('='); eq != std::string::npos) {
        value = arg.substr(eq + 1);
        arg = arg.substr(0, eq);
        has_value = true;
      }
    }
    auto take = [&]() -> std::string {
      if (has_value) return value;
      if (i + 1 >= argc) throw UsageError{arg + " needs a value"};
      return argv[++i];
    };
    if (arg == "-h" || arg == "--help") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else if (arg == "--admin") {
      options.admin = take();
    } else if (arg == "--token-file") {
      options.token_file = take();
    } else if (arg == "--tls-ca") {
      options.tls_ca = take();
      options.tls = true;
    } else if (arg == "--tls") {
      options.tls = true;
    } else if (arg == "--json") {
      options.json = true;
    } else if (arg == "--timeout") {
      options.timeout = ParseDurationArg(arg, take());
    } else if (arg == "--now") {
      options.now = true;
    } else if (std::find(std::begin(kCommandFlags), std::end(kCommandFlags), arg) !=
               std::end(kCommandFlags)) {
      options.flags[arg] = take();
    } else if (arg.starts_with("-") && arg != "-") {
      throw UsageError{"unknown option " + arg};
    } else {
      options.words.push_back(arg);
    }
  }
  if (options.words.empty()) throw UsageError{"no command given"};
  return options;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError{"cannot read \"" + path + "\""};
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

// An RPC failed: the message names the status code.
struct RpcError {
  grpc::Status status;
};

void Check(const grpc::Status& status) {
  if (!status.ok()) throw RpcError{status};
}

std::string ToJson(const google::protobuf::Message& message, bool pretty) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = pretty;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  if (pretty && !out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

absl::Time ToTime(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

absl::Duration ToDuration(const google::protobuf::Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

void SetDuration(absl::Duration d, google::protobuf::Duration* out) {
  const int64_t ns = absl::ToInt64Nanoseconds(d);
  out->set_seconds(ns / 1'000'000'000);
  out->set_nanos(static_cast<int32_t>(ns % 1'000'000'000));
}

std::string FormatTime(const google::protobuf::Timestamp& t) {
  if (t.seconds() == 0 && t.nanos() == 0) return "-";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", ToTime(t), absl::UTCTimeZone());
}

std::string Age(const google::protobuf::Timestamp& t) {
  if (t.seconds() == 0) return "-";
  return absl::FormatDuration(absl::Trunc(absl::Now() - ToTime(t), absl::Seconds(1)));
}

std::string StripName(const std::string& name, std::string_view prefix) {
  return name.starts_with(prefix) ? name.substr(prefix.size()) : name;
}

// Prints rows as left-aligned columns.
void PrintTable(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    std::printf("%s\n", line.c_str());
  }
}

const char* ReachabilityName(v1::BackendState::Reachability reachability) {
  switch (reachability) {
    case v1::BackendState::LOCAL:
      return "local";
    case v1::BackendState::REACHABLE:
      return "yes";
    case v1::BackendState::UNREACHABLE:
      return "no";
    default:
      return "-";
  }
}

const char* StateName(v1::Listener::State state) {
  switch (state) {
    case v1::Listener::ACCEPTING:
      return "accepting";
    case v1::Listener::DRAINING:
      return "draining";
    case v1::Listener::CLOSED:
      return "closed";
    default:
      return "-";
  }
}

std::vector<std::string> ListenerHeader() {
  return {"ID", "ADDRESS", "STATE", "CLIENTS", "ACCEPTED", "REJECTED", "MAX", "IDLE-TIMEOUT"};
}

std::vector<std::string> ListenerRow(const v1::Listener& l) {
  std::string state = StateName(l.state());
  if (l.state() == v1::Listener::DRAINING) {
    state += l.has_drain_deadline() ? " until " + FormatTime(l.drain_deadline())
                                    : " until its clients leave";
  }
  return {l.id(),
          l.bound_address(),
          state,
          absl::StrCat(l.connected_clients()),
          absl::StrCat(l.accepted_clients()),
          absl::StrCat(l.rejected_clients()),
          l.max_clients() == 0 ? "-" : absl::StrCat(l.max_clients()),
          l.has_idle_timeout() ? absl::FormatDuration(ToDuration(l.idle_timeout())) : "-"};
}

std::vector<std::string> ClientHeader() {
  return {"ID", "LISTENER", "PEER", "CONNECTED", "IDLE", "COMMANDS", "BYTES-IN", "BYTES-OUT"};
}

std::vector<std::string> ClientRow(const v1::Client& c) {
  const std::string listener = StripName(c.listener(), "listeners/");
  return {absl::StrCat(c.id()),       listener.empty() ? "-" : listener, c.peer(),
          Age(c.connect_time()),      Age(c.last_activity_time()),       absl::StrCat(c.commands()),
          absl::StrCat(c.bytes_in()), absl::StrCat(c.bytes_out())};
}

const char* ReasonName(v1::DisconnectReason reason) {
  switch (reason) {
    case v1::CLIENT_CLOSED:
      return "client_closed";
    case v1::KICKED:
      return "kicked";
    case v1::IDLE:
      return "idle";
    case v1::ERROR:
      return "error";
    case v1::SHUTDOWN:
      return "shutdown";
    default:
      return "unknown";
  }
}

std::string DescribeEvent(const v1::Event& e) {
  std::string what;
  switch (e.payload_case()) {
    case v1::Event::kClientConnected:
      what = absl::StrCat("client connected    ", e.client_connected().client(), " ",
                          e.client_connected().listener(), " peer ", e.client_connected().peer());
      break;
    case v1::Event::kClientDisconnected:
      what =
          absl::StrCat("client disconnected ", e.client_disconnected().client(), " ",
                       e.client_disconnected().listener(), " peer ", e.client_disconnected().peer(),
                       " reason ", ReasonName(e.client_disconnected().reason()));
      break;
    case v1::Event::kListenerCreated:
      what = absl::StrCat("listener created    ", e.listener_created().listener(), " ",
                          e.listener_created().address());
      break;
    case v1::Event::kListenerDraining:
      what = absl::StrCat("listener draining   ", e.listener_draining().listener(), " ",
                          e.listener_draining().address());
      break;
    case v1::Event::kListenerClosed:
      what = absl::StrCat("listener closed     ", e.listener_closed().listener(), " ",
                          e.listener_closed().address());
      break;
    case v1::Event::kEventsDropped:
      what = absl::StrCat("events dropped      ", e.events_dropped().count(),
                          " (this watcher fell behind)");
      break;
    default:
      what = "unknown event";
  }
  return absl::StrCat(FormatTime(e.time()), " ", what);
}

class Ctl {
 public:
  explicit Ctl(Options options) : options_(std::move(options)) {
    std::shared_ptr<grpc::ChannelCredentials> credentials;
    if (options_.tls) {
      grpc::SslCredentialsOptions ssl;
      if (!options_.tls_ca.empty()) ssl.pem_root_certs = ReadFile(options_.tls_ca);
      credentials = grpc::SslCredentials(ssl);
    } else {
      credentials = grpc::InsecureChannelCredentials();
    }
    if (!options_.token_file.empty()) {
      token_ = std::string(absl::StripAsciiWhitespace(ReadFile(options_.token_file)));
      if (token_.empty()) throw UsageError{"--token-file \"" + options_.token_file + "\" is empty"};
    }
    channel_ = grpc::CreateChannel(options_.admin, credentials);
    stub_ = v1::AdminService::NewStub(channel_);
  }

  void Run() {
    const auto& w = options_.words;
    const std::string group = w[0];
    const std::string verb = w.size() > 1 ? w[1] : "";
    if (group == "listeners" && (verb == "list" || verb.empty())) return ListListeners(1);
    if (group == "listeners" && verb == "get") return GetListener(Operand(2, "ID"));
    if (group == "listeners" && verb == "create") return CreateListener(Operand(2, "ADDR"));
    if (group == "listeners" && verb == "delete") return DeleteListener(Operand(2, "ID"));
    if (group == "clients" && (verb == "list" || verb.empty())) return ListClients(1);
    if (group == "clients" && verb == "get") return GetClient(Operand(2, "ID"));
    if (group == "clients" && (verb == "kill" || verb == "disconnect")) {
      return KillClient(Operand(2, "ID"));
    }
    if (group == "stats") return Stats(0);
    if (group == "info") return Info(0);
    if (group == "watch") return Watch(0);
    if (group == "health") return Health(0);
    if (group == "reload") return Reload(0);
    throw UsageError{"unknown command \"" + absl::StrJoin(w, " ") + "\""};
  }

 private:
  // The operand at `index`; nothing may follow it.
  std::string Operand(std::size_t index, const char* what) {
    const auto& w = options_.words;
    if (w.size() <= index)
      throw UsageError{absl::StrCat(w[0], " ", w[1], ": ", what, " is missing")};
    if (w.size() > index + 1) throw UsageError{"unexpected \"" + w[index + 1] + "\""};
    return w[index];
  }
  void NoOperands(std::size_t count) {
    if (options_.words.size() > count + 1) {
      throw UsageError{"unexpected \"" + options_.words[count + 1] + "\""};
    }
  }
  std::optional<std::string> Flag(const std::string& name) {
    auto it = options_.flags.find(name);
    if (it == options_.flags.end()) return std::nullopt;
    return it->second;
  }

  std::unique_ptr<grpc::ClientContext> Context(bool deadline = true) {
    auto context = std::make_unique<grpc::ClientContext>();
    if (deadline) context->set_deadline(absl::ToChronoTime(absl::Now() + options_.timeout));
    if (!token_.empty()) context->AddMetadata("authorization", "Bearer " + token_);
    return context;
  }

  void PrintJson(const google::protobuf::Message& message) {
    std::printf("%s\n", ToJson(message, true).c_str());
  }

  void ListListeners(std::size_t operands) {
    NoOperands(operands);
    v1::ListListenersResponse response;
    Check(stub_->ListListeners(Context().get(), {}, &response));
    if (options_.json) return PrintJson(response);
    std::vector<std::vector<std::string>> rows{ListenerHeader()};
    for (const auto& l : response.listeners()) rows.push_back(ListenerRow(l));
    PrintTable(rows);
  }

  void PrintListener(const v1::Listener& listener) {
    if (options_.json) return PrintJson(listener);
    PrintTable({ListenerHeader(), ListenerRow(listener)});
  }

  void GetListener(const std::string& id) {
    v1::GetListenerRequest request;
    request.set_name(id);
    v1::Listener listener;
    Check(stub_->GetListener(Context().get(), request, &listener));
    PrintListener(listener);
  }

  void CreateListener(const std::string& address) {
    v1::CreateListenerRequest request;
    request.mutable_listener()->set_address(address);
    if (auto id = Flag("--id")) request.set_listener_id(*id);
    if (auto max = Flag("--max-clients")) {
      uint32_t n = 0;
      if (!absl::SimpleAtoi(*max, &n))
        throw UsageError{"--max-clients: bad number \"" + *max + "\""};
      request.mutable_listener()->set_max_clients(n);
    }
    if (auto idle = Flag("--idle-timeout")) {
      const absl::Duration d = ParseDurationArg("--idle-timeout", *idle);
      SetDuration(d, request.mutable_listener()->mutable_idle_timeout());
    }
    v1::Listener listener;
    Check(stub_->CreateListener(Context().get(), request, &listener));
    PrintListener(listener);
  }

  void DeleteListener(const std::string& id) {
    v1::DeleteListenerRequest request;
    request.set_name(id);
    const auto drain = Flag("--drain");
    if (drain && options_.now) throw UsageError{"--drain and --now do not go together"};
    if (drain) {
      const absl::Duration d = ParseDurationArg("--drain", *drain);
      request.set_mode(v1::DeleteListenerRequest::DRAIN);
      SetDuration(d, request.mutable_drain_timeout());
    } else if (options_.now) {
      request.set_mode(v1::DeleteListenerRequest::CLOSE_NOW);
    } else {
      request.set_mode(v1::DeleteListenerRequest::STOP_ACCEPTING);
    }
    v1::Listener listener;
    Check(stub_->DeleteListener(Context().get(), request, &listener));
    PrintListener(listener);
  }

  void ListClients(std::size_t operands) {
    NoOperands(operands);
    v1::ListClientsRequest request;
    if (auto listener = Flag("--listener")) request.set_listener(*listener);
    request.set_page_size(1000);
    v1::ListClientsResponse all;
    do {
      v1::ListClientsResponse page;
      Check(stub_->ListClients(Context().get(), request, &page));
      for (auto& c : *page.mutable_clients()) *all.add_clients() = std::move(c);
      request.set_page_token(page.next_page_token());
    } while (!request.page_token().empty());
    all.set_total_size(all.clients_size());
    if (options_.json) return PrintJson(all);
    std::vector<std::vector<std::string>> rows{ClientHeader()};
    for (const auto& c : all.clients()) rows.push_back(ClientRow(c));
    PrintTable(rows);
  }

  void GetClient(const std::string& id) {
    v1::GetClientRequest request;
    request.set_name(id);
    v1::Client client;
    Check(stub_->GetClient(Context().get(), request, &client));
    if (options_.json) return PrintJson(client);
    PrintTable({ClientHeader(), ClientRow(client)});
  }

  void KillClient(const std::string& id) {
    v1::DisconnectClientRequest request;
    request.set_name(id);
    v1::Client client;
    Check(stub_->DisconnectClient(Context().get(), request, &client));
    if (options_.json) return PrintJson(client);
    std::printf("disconnected client %llu (%s)\n", static_cast<unsigned long long>(client.id()),
                client.peer().c_str());
  }

  void Stats(std::size_t operands) {
    NoOperands(operands);
    v1::Stats stats;
    Check(stub_->GetStats(Context().get(), {}, &stats));
    if (options_.json) return PrintJson(stats);
    // memcached's `stats` layout: one "NAME VALUE" line per counter.
    const google::protobuf::Descriptor* descriptor = stats.GetDescriptor();
    const google::protobuf::Reflection* reflection = stats.GetReflection();
    std::vector<std::vector<std::string>> rows;
    for (int i = 0; i < descriptor->field_count(); ++i) {
      const google::protobuf::FieldDescriptor* field = descriptor->field(i);
      std::string value;
      switch (field->cpp_type()) {
        case google::protobuf::FieldDescriptor::CPPTYPE_UINT64:
          value = absl::StrCat(reflection->GetUInt64(stats, field));
          break;
        case google::protobuf::FieldDescriptor::CPPTYPE_UINT32:
          value = absl::StrCat(reflection->GetUInt32(stats, field));
          break;
        case google::protobuf::FieldDescriptor::CPPTYPE_STRING:
          value = reflection->GetString(stats, field);
          break;
        default:
          continue;  // uptime, time and listeners below
      }
      rows.push_back({field->name(), value});
    }
    rows.insert(rows.begin(),
                std::vector<std::string>{"uptime", absl::StrCat(stats.uptime().seconds())});
    PrintTable(rows);
    if (stats.listeners_size() > 0) {
      std::printf("\n");
      std::vector<std::vector<std::string>> listeners{
          {"LISTENER", "CLIENTS", "ACCEPTED", "REJECTED"}};
      for (const auto& l : stats.listeners()) {
        listeners.push_back(
            {StripName(l.listener(), "listeners/"), absl::StrCat(l.connected_clients()),
             absl::StrCat(l.accepted_clients()), absl::StrCat(l.rejected_clients())});
      }
      PrintTable(listeners);
    }
  }

  void Info(std::size_t operands) {
    NoOperands(operands);
    v1::ServerInfo info;
    Check(stub_->GetServerInfo(Context().get(), {}, &info));
    if (options_.json) return PrintJson(info);
    PrintTable({{"version", info.version()},
                {"protocol", info.protocol_version()},
                {"backend", info.backend()},
                {"threads", absl::StrCat(info.threads())},
                {"pid", absl::StrCat(info.pid())},
                {"started", FormatTime(info.start_time())},
                {"uptime", absl::FormatDuration(ToDuration(info.uptime()))},
                {"max_connections", absl::StrCat(info.max_connections())},
                {"max_item_size", absl::StrCat(info.max_item_size())},
                {"args", absl::StrJoin(info.args(), " ")}});
    PrintBackendState(info.backend_state());
  }

  static void PrintBackendState(const v1::BackendState& state) {
    std::printf("\n");
    std::vector<std::vector<std::string>> rows{{"backend_kind", state.kind()}};
    if (!state.target().empty()) rows.push_back({"backend_target", state.target()});
    rows.push_back({"backend_reachable", ReachabilityName(state.reachability())});
    if (state.has_redis()) {
      const v1::RedisBackendState& r = state.redis();
      rows.push_back({"redis_mode", r.mode()});
      rows.push_back({"redis_connections", absl::StrCat(r.connections())});
      rows.push_back({"redis_connected", absl::StrCat(r.connected())});
      rows.push_back({"redis_connects", absl::StrCat(r.connects())});
      rows.push_back({"redis_reconnects", absl::StrCat(r.reconnects())});
      rows.push_back({"redis_commands", absl::StrCat(r.commands())});
      rows.push_back({"redis_errors", absl::StrCat(r.errors())});
      rows.push_back({"redis_timeouts", absl::StrCat(r.timeouts())});
      if (state.kind() == "redis-cluster") {
        rows.push_back({"cluster_slots_served", absl::StrCat(r.cluster_slots_served())});
      }
    }
    PrintTable(rows);
    if (!state.has_redis() || state.redis().cluster_nodes().empty()) return;
    std::printf("\n");
    std::vector<std::vector<std::string>> nodes{
        {"NODE", "SLOTS", "CONNECTED", "COMMANDS", "ERRORS"}};
    for (const v1::RedisClusterNode& node : state.redis().cluster_nodes()) {
      nodes.push_back({node.address(), node.slots().empty() ? "-" : node.slots(),
                       absl::StrCat(node.connected()), absl::StrCat(node.commands()),
                       absl::StrCat(node.errors())});
    }
    PrintTable(nodes);
  }

  void Reload(std::size_t operands) {
    NoOperands(operands);
    v1::ReloadConfigResponse response;
    Check(stub_->ReloadConfig(Context().get(), {}, &response));
    if (options_.json) return PrintJson(response);
    for (const std::string& line : response.applied()) std::printf("applied: %s\n", line.c_str());
    for (const std::string& line : response.not_applied()) {
      std::printf("not applied: %s\n", line.c_str());
    }
    if (response.applied().empty() && response.not_applied().empty()) std::printf("no changes\n");
  }

  void Watch(std::size_t operands) {
    NoOperands(operands);
    v1::WatchEventsRequest request;
    if (auto listener = Flag("--listener")) request.set_listener(*listener);
    int64_t limit = -1;
    if (auto count = Flag("--count")) {
      if (!absl::SimpleAtoi(*count, &limit) || limit < 1) {
        throw UsageError{"--count: bad number \"" + *count + "\""};
      }
    }
    auto context = Context(/*deadline=*/false);
    auto reader = stub_->WatchEvents(context.get(), request);
    v1::Event event;
    int64_t seen = 0;
    while (reader->Read(&event)) {
      if (options_.json) {
        std::printf("%s\n", ToJson(event, false).c_str());
      } else {
        std::printf("%s\n", DescribeEvent(event).c_str());
      }
      std::fflush(stdout);
      if (limit > 0 && ++seen >= limit) {
        context->TryCancel();
        return;
      }
    }
    Check(reader->Finish());
  }

  // grpc.health.v1 Check: prints the status; anything but SERVING is exit 1.
  void Health(std::size_t operands) {
    NoOperands(operands);
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(Flag("--service").value_or(""));
    grpc::health::v1::HealthCheckResponse response;
    auto stub = grpc::health::v1::Health::NewStub(channel_);
    Check(stub->Check(Context().get(), request, &response));
    const std::string status =
        grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status());
    if (options_.json) {
      PrintJson(response);
    } else {
      std::printf("%s\n", status.c_str());
    }
    if (response.status() != grpc::health::v1::HealthCheckResponse::SERVING) {
      throw RpcError{
          grpc::Status(grpc::StatusCode::UNAVAILABLE,
                       absl::StrCat(request.service().empty() ? "the server" : request.service(),
                                    " is ", status))};
    }
  }

  Options options_;
  std::string token_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::AdminService::Stub> stub_;
};

}  // namespace

int main(int argc, char** argv) {
  try {
    Ctl ctl(ParseArgs(argc, argv));
    ctl.Run();
    return 0;
  } catch (const UsageError& e) {
    std::fprintf(stderr, "memgatectl: %s\n(memgatectl --help for usage)\n", e.message.c_str());
    return 2;
  } catch (const RpcError& e) {
    std::fprintf(
        stderr, "memgatectl: %s: %s\n",
        absl::StatusCodeToString(static_cast<absl::StatusCode>(e.status.error_code())).c_str(),
        e.status.error_message().c_str());
    return 1;
  }
}
