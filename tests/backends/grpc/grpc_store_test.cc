// GrpcStore (the plain contract) against the example SQLite service, run as a
// child process: every handler, multi-key gets in one call, large values,
// flush_all's guard, and an existing table written by Python's sqlite3 whose
// untouched rows must stay byte-identical.
#include "backends/grpc/grpc_store.h"

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "backends/grpc/grpc_channel.h"
#include "backends/grpc/grpc_contract_probe.h"
#include "gtest/gtest.h"
#include "tests/backends/grpc/service_process.h"
#include "tests/backends/grpc/simple_store_calls.h"

namespace memgate::backends {
namespace {

using testing::ServiceProcess;
using testing::SyncBegin;
using testing::SyncDelete;
using testing::SyncFind;
using testing::SyncFlushAll;
using testing::SyncGet;
using testing::SyncSet;
using testing::SyncValue;

// A fresh directory per test, removed afterwards.
class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/memgate-grpc-test-XXXXXX";
    path_ = mkdtemp(pattern);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Runs `script` with Debian's python3 and the given arguments; its stdout.
std::string RunPython(const std::string& script, const std::vector<std::string>& args) {
  std::string command = std::string(MEMGATE_TEST_PYTHON) + " -c '" + script + "'";
  for (const std::string& arg : args) command += " '" + arg + "'";
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[4096];
  while (std::size_t n = fread(buffer, 1, sizeof(buffer), pipe)) out.append(buffer, n);
  EXPECT_EQ(pclose(pipe), 0) << command;
  return out;
}

std::unique_ptr<ServiceProcess> StartSqlite(const std::string& db,
                                            std::vector<std::string> extra = {}) {
  std::vector<std::string> argv = {MEMGATE_SQLITE_BACKEND, "--listen", "127.0.0.1:{port}", "--db",
                                   db};
  argv.insert(argv.end(), extra.begin(), extra.end());
  auto service = std::make_unique<ServiceProcess>(std::move(argv));
  EXPECT_TRUE(service->Start()) << "memgate-sqlite-backend did not start";
  return service;
}

std::shared_ptr<GrpcChannel> Connect(const std::string& target,
                                     std::size_t max_item_size = kDefaultMaxItemSize) {
  GrpcBackendOptions options;
  options.target = target;
  options.max_item_size = max_item_size;
  absl::StatusOr<std::shared_ptr<GrpcChannel>> channel = GrpcChannel::Create(options);
  EXPECT_TRUE(channel.ok()) << channel.status();
  return *channel;
}

class GrpcStoreSqliteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    service_ = StartSqlite(dir_.File("kv.db"));
    channel_ = Connect(service_->target());
    store_ = std::make_unique<GrpcStore>(channel_);
  }

  TempDir dir_;
  std::unique_ptr<ServiceProcess> service_;
  std::shared_ptr<GrpcChannel> channel_;
  std::unique_ptr<GrpcStore> store_;
  ClientContext client_{7, "127.0.0.1:40000", "main"};
};

TEST_F(GrpcStoreSqliteTest, SetFindGetDelete) {
  EXPECT_FALSE(SyncFind(*store_, client_, "k").found);
  EXPECT_EQ(SyncValue(*store_, client_, "k"), std::nullopt);
  EXPECT_FALSE(SyncSet(*store_, client_, "k", "v1", 5, 0).error.has_value());
  EXPECT_TRUE(SyncFind(*store_, client_, "k").found);
  EXPECT_EQ(SyncValue(*store_, client_, "k"), "v1");
  EXPECT_FALSE(SyncSet(*store_, client_, "k", "v2").error.has_value());
  EXPECT_EQ(SyncValue(*store_, client_, "k"), "v2");
  EXPECT_TRUE(SyncDelete(*store_, client_, "k").deleted);
  EXPECT_FALSE(SyncDelete(*store_, client_, "k").deleted);
  EXPECT_FALSE(SyncFind(*store_, client_, "k").found);
}

TEST_F(GrpcStoreSqliteTest, BinaryAndEmptyValuesRoundTrip) {
  const std::string binary("a\0b\r\nc\xff", 7);
  ASSERT_FALSE(SyncSet(*store_, client_, "bin", binary).error.has_value());
  EXPECT_EQ(SyncValue(*store_, client_, "bin"), binary);
  ASSERT_FALSE(SyncSet(*store_, client_, "empty", "").error.has_value());
  EXPECT_EQ(SyncValue(*store_, client_, "empty"), "");
}

TEST_F(GrpcStoreSqliteTest, MultiKeyGetIsOneCallInRequestOrder) {
  SyncSet(*store_, client_, "a", "1");
  SyncSet(*store_, client_, "b", "2");
  const uint64_t before = channel_->counts().calls;
  const GetReply reply = SyncGet(*store_, client_, {"b", "nope", "a", "b"});
  EXPECT_EQ(channel_->counts().calls, before + 1);
  ASSERT_FALSE(reply.error.has_value());
  EXPECT_EQ(reply.values, (std::vector<std::optional<std::string>>{"2", std::nullopt, "1", "2"}));
}

TEST_F(GrpcStoreSqliteTest, FlushAllIsRefusedWithoutAllowFlush) {
  SyncSet(*store_, client_, "k", "v");
  const DoneReply reply = SyncFlushAll(*store_, client_);
  ASSERT_TRUE(reply.error.has_value());
  EXPECT_FALSE(reply.error->close_connection);
  EXPECT_NE(reply.error->message.find("--allow-flush"), std::string::npos);
  EXPECT_EQ(SyncValue(*store_, client_, "k"), "v");
}

TEST_F(GrpcStoreSqliteTest, ClientOpenedUnimplementedAcceptsAndIsNotAskedAgain) {
  EXPECT_FALSE(SyncBegin(*store_, client_).refused.has_value());
  const uint64_t after_first = channel_->counts().calls;
  EXPECT_FALSE(SyncBegin(*store_, client_).refused.has_value());
  EXPECT_EQ(channel_->counts().calls, after_first);
}

TEST_F(GrpcStoreSqliteTest, ProbeFindsThePlainContract) {
  absl::StatusOr<ServiceContract> contract = ProbeServiceContractBlocking(channel_);
  ASSERT_TRUE(contract.ok()) << contract.status();
  EXPECT_FALSE(contract->full());
  EXPECT_FALSE(contract->store);
  EXPECT_FALSE(contract->get_metadata);
}

TEST(GrpcStoreSqlite, FlushAllEmptiesTheTableWithAllowFlush) {
  TempDir dir;
  std::unique_ptr<ServiceProcess> service = StartSqlite(dir.File("kv.db"), {"--allow-flush"});
  GrpcStore store(Connect(service->target()));
  const ClientContext client{1, "127.0.0.1:1", ""};
  SyncSet(store, client, "a", "1");
  SyncSet(store, client, "b", "2");
  EXPECT_FALSE(SyncFlushAll(store, client).error.has_value());
  const GetReply reply = SyncGet(store, client, {"a", "b"});
  EXPECT_EQ(reply.values, (std::vector<std::optional<std::string>>{std::nullopt, std::nullopt}));
}

TEST(GrpcStoreSqlite, ValuesLargerThanGrpcsDefaultLimitWithARaisedItemSize) {
  TempDir dir;
  std::unique_ptr<ServiceProcess> service = StartSqlite(dir.File("kv.db"));
  const ClientContext client{1, "127.0.0.1:1", ""};
  // -I 1m (the default): a full-size value, past gRPC's 4 MiB receive
  // default only when several are fetched together.
  GrpcStore store(Connect(service->target()));
  const std::string megabyte(kDefaultMaxItemSize, 'm');
  ASSERT_FALSE(SyncSet(store, client, "m1", megabyte).error.has_value());
  ASSERT_FALSE(SyncSet(store, client, "m2", megabyte).error.has_value());
  const GetReply many = SyncGet(store, client, {"m1", "m2", "m1", "m2", "m1"});
  ASSERT_FALSE(many.error.has_value()) << many.error->message;
  ASSERT_EQ(many.values.size(), 5u);
  EXPECT_EQ(many.values[4], megabyte);
  // -I 8m.
  GrpcStore large(Connect(service->target(), 8 << 20));
  const std::string big(6 << 20, 'b');
  ASSERT_FALSE(SyncSet(large, client, "big", big).error.has_value());
  EXPECT_EQ(SyncValue(large, client, "big"), big);
}

// A table another program made: an integer id, the key in a TEXT column, a
// TEXT value column and a BLOB one, and columns memgate never names.
constexpr char kMakeTable[] =
    "import sqlite3, sys\n"
    "db = sqlite3.connect(sys.argv[1])\n"
    "db.execute(\"CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL,\"\n"
    "           \" bio TEXT, avatar BLOB, score REAL)\")\n"
    "db.executemany(\"INSERT INTO users (name, bio, avatar, score) VALUES (?, ?, ?, ?)\", [\n"
    "    (\"alice\", \"likes caches\", b\"\\x89PNG\\r\\n\\x00\\x01\", 1.5),\n"
    "    (\"bob\", \"caf\\u00e9 owner\", None, None),\n"
    "    (\"carol\", None, b\"\", 3.0),\n"
    "    (\"dave\", \"\", b\"\\xff\\xfe\", -2.25)])\n"
    "db.commit()\n";

// Every row as bytes: id, name, the type and hex of each column.
constexpr char kDumpTable[] =
    "import sqlite3, sys\n"
    "db = sqlite3.connect(sys.argv[1])\n"
    "for row in db.execute(\"SELECT id, name, typeof(bio), hex(bio), typeof(avatar),\"\n"
    "                      \" hex(avatar), typeof(score), quote(score) FROM users ORDER BY id\"):\n"
    "    print(\"|\".join(map(str, row)))\n"
    "print(db.execute(\"SELECT group_concat(sql) FROM sqlite_master\").fetchone()[0])\n";

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
    lines.push_back(text.substr(start, end - start));
  }
  return lines;
}

TEST(GrpcStoreSqlite, ExistingTableIsReadableAndUntouchedRowsStayByteIdentical) {
  TempDir dir;
  const std::string db = dir.File("app.db");
  RunPython(kMakeTable, {db});
  const std::vector<std::string> before = Lines(RunPython(kDumpTable, {db}));
  ASSERT_EQ(before.size(), 5u);

  const ClientContext client{1, "127.0.0.1:1", ""};
  {
    std::unique_ptr<ServiceProcess> service =
        StartSqlite(db, {"--table", "users", "--key-column", "name", "--value-column", "bio"});
    GrpcStore store(Connect(service->target()));
    const GetReply reply = SyncGet(store, client, {"alice", "bob", "carol", "nobody", "dave"});
    ASSERT_FALSE(reply.error.has_value()) << reply.error->message;
    EXPECT_EQ(reply.values, (std::vector<std::optional<std::string>>{
                                "likes caches", "caf\xc3\xa9 owner", "", std::nullopt, ""}));
    EXPECT_FALSE(SyncSet(store, client, "bob", "tea drinker").error.has_value());
    EXPECT_FALSE(SyncSet(store, client, "erin", "new here").error.has_value());
    EXPECT_EQ(SyncValue(store, client, "erin"), "new here");
  }
  {
    std::unique_ptr<ServiceProcess> service =
        StartSqlite(db, {"--table", "users", "--key-column", "name", "--value-column", "avatar"});
    GrpcStore store(Connect(service->target()));
    EXPECT_EQ(SyncValue(store, client, "alice"), std::string("\x89PNG\r\n\x00\x01", 8));
    EXPECT_EQ(SyncValue(store, client, "dave"), "\xff\xfe");
    EXPECT_TRUE(SyncDelete(store, client, "erin").deleted);
  }

  const std::vector<std::string> after = Lines(RunPython(kDumpTable, {db}));
  ASSERT_EQ(after.size(), 5u);
  EXPECT_EQ(after[0], before[0]);  // alice: read only
  // bob: only bio changed, and it is still TEXT.
  EXPECT_EQ(after[1], "2|bob|text|" + std::string("746561206472696E6B6572") + "|null||null|NULL");
  EXPECT_EQ(after[2], before[2]);  // carol
  EXPECT_EQ(after[3], before[3]);  // dave: read only
  EXPECT_EQ(after[4], before[4]);  // the schema
}

}  // namespace
}  // namespace memgate::backends
