// memgate-sqlite-backend: serves one table of an SQLite database over
// backend.proto, so memgate (--backend grpc) puts a memcached face on it.
//
// usage: memgate-sqlite-backend --listen ADDR --db FILE [--table T]
//            [--key-column K] [--value-column V] [--allow-flush]
//            [--max-message-bytes N]
// ADDR is a gRPC address: host:port (port 0 picks one), unix:/path.
#include <pthread.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "absl/strings/numbers.h"
#include "examples/sqlite_backend/sqlite_backend_service.h"
#include "examples/sqlite_backend/sqlite_table.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"

namespace {

struct Flags {
  std::string listen;
  memgate::examples::SqliteTableOptions table;
  bool allow_flush = false;
  int max_message_bytes = 64 << 20;
};

[[noreturn]] void Usage(const char* problem) {
  std::fprintf(stderr,
               "memgate-sqlite-backend: %s\n"
               "usage: memgate-sqlite-backend --listen ADDR --db FILE [--table T]\n"
               "         [--key-column K] [--value-column V] [--allow-flush]\n"
               "         [--max-message-bytes N]\n",
               problem);
  std::exit(2);
}

Flags ParseFlags(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::string value;
    if (const std::size_t eq = arg.find('='); eq != std::string_view::npos) {
      value = std::string(arg.substr(eq + 1));
      arg = arg.substr(0, eq);
    } else if (arg != "--allow-flush") {
      if (i + 1 >= argc) Usage("a flag is missing its value");
      value = argv[++i];
    }
    if (arg == "--listen") {
      flags.listen = value;
    } else if (arg == "--db") {
      flags.table.path = value;
    } else if (arg == "--table") {
      flags.table.table = value;
    } else if (arg == "--key-column") {
      flags.table.key_column = value;
    } else if (arg == "--value-column") {
      flags.table.value_column = value;
    } else if (arg == "--allow-flush") {
      flags.allow_flush = true;
    } else if (arg == "--max-message-bytes") {
      if (!absl::SimpleAtoi(value, &flags.max_message_bytes) || flags.max_message_bytes <= 0) {
        Usage("--max-message-bytes wants a positive number");
      }
    } else {
      Usage("unknown flag");
    }
  }
  if (flags.listen.empty()) Usage("--listen is required");
  if (flags.table.path.empty()) Usage("--db is required");
  return flags;
}

}  // namespace

int main(int argc, char** argv) {
  const Flags flags = ParseFlags(argc, argv);

  absl::StatusOr<std::unique_ptr<memgate::examples::SqliteTable>> table =
      memgate::examples::SqliteTable::Open(flags.table);
  if (!table.ok()) {
    std::fprintf(stderr, "memgate-sqlite-backend: %s\n",
                 std::string(table.status().message()).c_str());
    return 1;
  }

  // Every thread gRPC starts inherits this mask; main alone takes the signal.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  memgate::examples::SqliteBackendService service(**table, flags.allow_flush);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(flags.listen, grpc::InsecureServerCredentials(), &port);
  builder.SetMaxReceiveMessageSize(flags.max_message_bytes);
  builder.SetMaxSendMessageSize(flags.max_message_bytes);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr) {
    std::fprintf(stderr, "memgate-sqlite-backend: cannot listen on %s\n", flags.listen.c_str());
    return 1;
  }
  if (std::string_view(flags.listen).starts_with("unix:")) {
    std::fprintf(stderr, "memgate-sqlite-backend: listening on %s\n", flags.listen.c_str());
  } else {
    const std::string host = flags.listen.substr(0, flags.listen.rfind(':'));
    std::fprintf(stderr, "memgate-sqlite-backend: listening on %s:%d\n", host.c_str(), port);
  }

  int signal = 0;
  sigwait(&stop_signals, &signal);
  server->Shutdown();
  return 0;
}
