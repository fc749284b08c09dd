// One table of an existing SQLite database seen as a key/value store: a
// row's key column is the key, its value column the item. Only the rows a
// call names are read or written; nothing else in the file changes.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

struct sqlite3;
struct sqlite3_stmt;

namespace memgate::examples {

struct SqliteTableOptions {
  std::string path;
  std::string table = "kv";
  std::string key_column = "key";
  std::string value_column = "value";
};

// Thread-safe: one connection, one call at a time.
class SqliteTable {
 public:
  // Opens the database and checks that the table has both columns. A table
  // that does not exist yet is created (key TEXT PRIMARY KEY, value BLOB).
  static absl::StatusOr<std::unique_ptr<SqliteTable>> Open(const SqliteTableOptions& options);
  ~SqliteTable();

  SqliteTable(const SqliteTable&) = delete;
  SqliteTable& operator=(const SqliteTable&) = delete;

  absl::StatusOr<bool> Contains(std::string_view key);
  // The value column's bytes (TEXT or BLOB as stored; a number reads as its
  // text; NULL as empty), or nullopt when no row has the key.
  absl::StatusOr<std::optional<std::string>> Find(std::string_view key);
  // Updates the value of the key's rows, or inserts one row when there is
  // none. The value is bound as TEXT when the column's declared type has
  // text affinity, else as a BLOB, so SQLite never converts it.
  absl::Status Put(std::string_view key, std::string_view value);
  // Whether a row was deleted.
  absl::StatusOr<bool> Erase(std::string_view key);
  // Deletes every row of the table (and nothing else).
  absl::Status Clear();

 private:
  explicit SqliteTable(sqlite3* db) : db_(db) {}

  absl::Status Prepare(const std::string& sql, sqlite3_stmt** statement)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status Error(std::string_view what) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status Exec(const char* sql) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status BindKey(sqlite3_stmt* statement, int index, std::string_view key)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Binds key (?1) and value (?2) and runs an update or insert.
  absl::Status Write(sqlite3_stmt* statement, std::string_view key, std::string_view value)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  sqlite3* db_ ABSL_GUARDED_BY(mu_);
  bool text_values_ = false;
  sqlite3_stmt* contains_ ABSL_GUARDED_BY(mu_) = nullptr;
  sqlite3_stmt* find_ ABSL_GUARDED_BY(mu_) = nullptr;
  sqlite3_stmt* update_ ABSL_GUARDED_BY(mu_) = nullptr;
  sqlite3_stmt* insert_ ABSL_GUARDED_BY(mu_) = nullptr;
  sqlite3_stmt* erase_ ABSL_GUARDED_BY(mu_) = nullptr;
  sqlite3_stmt* clear_ ABSL_GUARDED_BY(mu_) = nullptr;
};

}  // namespace memgate::examples
