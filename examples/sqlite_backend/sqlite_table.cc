// Prepared statements over the configured table and columns.
#include "examples/sqlite_backend/sqlite_table.h"

#include <sqlite3.h>

#include <memory>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace memgate::examples {
namespace {

// Names come from the command line: quote them so any table name works and
// none can inject SQL.
std::string Quote(const std::string& name) {
  return absl::StrCat("\"", absl::StrReplaceAll(name, {{"\"", "\"\""}}), "\"");
}

// SQLite's affinity rule: a declared type containing CHAR, CLOB or TEXT.
bool HasTextAffinity(std::string declared) {
  declared = absl::AsciiStrToUpper(declared);
  if (absl::StrContains(declared, "INT")) return false;
  return absl::StrContains(declared, "CHAR") || absl::StrContains(declared, "CLOB") ||
         absl::StrContains(declared, "TEXT");
}

// Leaves a statement ready for the next call however the current one ends.
class ResetOnExit {
 public:
  explicit ResetOnExit(sqlite3_stmt* statement) : statement_(statement) {}
  ~ResetOnExit() {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
  }

 private:
  sqlite3_stmt* statement_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteTable>> SqliteTable::Open(const SqliteTableOptions& options) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(options.path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                      nullptr) != SQLITE_OK) {
    std::string message = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return absl::InvalidArgumentError(absl::StrCat("--db ", options.path, ": ", message));
  }
  std::unique_ptr<SqliteTable> table(new SqliteTable(db));
  absl::MutexLock lock(&table->mu_);
  // Another process may hold the write lock for a moment.
  sqlite3_busy_timeout(db, 1000);

  const std::string t = Quote(options.table);
  const std::string k = Quote(options.key_column);
  const std::string v = Quote(options.value_column);

  // Find the columns (and whether the table exists at all).
  sqlite3_stmt* info = nullptr;
  if (absl::Status s = table->Prepare(absl::StrCat("PRAGMA table_info(", t, ")"), &info); !s.ok()) {
    return s;
  }
  bool any_column = false, has_key = false, has_value = false;
  std::string value_type;
  while (sqlite3_step(info) == SQLITE_ROW) {
    any_column = true;
    const char* name = reinterpret_cast<const char*>(sqlite3_column_text(info, 1));
    const char* type = reinterpret_cast<const char*>(sqlite3_column_text(info, 2));
    if (name == nullptr) continue;
    if (options.key_column == name) has_key = true;
    if (options.value_column == name) {
      has_value = true;
      value_type = type != nullptr ? type : "";
    }
  }
  sqlite3_finalize(info);
  if (!any_column) {
    if (absl::Status s = table->Exec(
            absl::StrCat("CREATE TABLE ", t, " (", k, " TEXT PRIMARY KEY, ", v, " BLOB)").c_str());
        !s.ok()) {
      return s;
    }
    has_key = has_value = true;
    value_type = "BLOB";
  }
  if (!has_key || !has_value) {
    return absl::InvalidArgumentError(
        absl::StrCat("table ", options.table, " has no column ",
                     has_key ? options.value_column : options.key_column));
  }
  table->text_values_ = HasTextAffinity(value_type);

  const struct {
    std::string sql;
    sqlite3_stmt** statement;
  } statements[] = {
      {absl::StrCat("SELECT 1 FROM ", t, " WHERE ", k, " = ?1 LIMIT 1"), &table->contains_},
      {absl::StrCat("SELECT ", v, " FROM ", t, " WHERE ", k, " = ?1 LIMIT 1"), &table->find_},
      {absl::StrCat("UPDATE ", t, " SET ", v, " = ?2 WHERE ", k, " = ?1"), &table->update_},
      {absl::StrCat("INSERT INTO ", t, " (", k, ", ", v, ") VALUES (?1, ?2)"), &table->insert_},
      {absl::StrCat("DELETE FROM ", t, " WHERE ", k, " = ?1"), &table->erase_},
      {absl::StrCat("DELETE FROM ", t), &table->clear_},
  };
  for (const auto& [sql, statement] : statements) {
    if (absl::Status s = table->Prepare(sql, statement); !s.ok()) return s;
  }
  return table;
}

SqliteTable::~SqliteTable() {
  absl::MutexLock lock(&mu_);
  for (sqlite3_stmt* statement : {contains_, find_, update_, insert_, erase_, clear_}) {
    sqlite3_finalize(statement);
  }
  sqlite3_close(db_);
}

absl::Status SqliteTable::Prepare(const std::string& sql, sqlite3_stmt** statement) {
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, statement, nullptr) != SQLITE_OK) {
    return absl::InvalidArgumentError(absl::StrCat(sql, ": ", sqlite3_errmsg(db_)));
  }
  return absl::OkStatus();
}

absl::Status SqliteTable::Error(std::string_view what) {
  return absl::UnavailableError(absl::StrCat("sqlite ", absl::string_view(what.data(), what.size()),
                                             ": ", sqlite3_errmsg(db_)));
}

absl::Status SqliteTable::Exec(const char* sql) {
  if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) return Error(sql);
  return absl::OkStatus();
}

absl::Status SqliteTable::BindKey(sqlite3_stmt* statement, int index, std::string_view key) {
  if (sqlite3_bind_text(statement, index, key.data(), static_cast<int>(key.size()),
                        SQLITE_TRANSIENT) != SQLITE_OK) {
    return Error("bind");
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> SqliteTable::Contains(std::string_view key) {
  absl::MutexLock lock(&mu_);
  ResetOnExit reset(contains_);
  if (absl::Status s = BindKey(contains_, 1, key); !s.ok()) return s;
  switch (sqlite3_step(contains_)) {
    case SQLITE_ROW:
      return true;
    case SQLITE_DONE:
      return false;
    default:
      return Error("find");
  }
}

absl::StatusOr<std::optional<std::string>> SqliteTable::Find(std::string_view key) {
  absl::MutexLock lock(&mu_);
  ResetOnExit reset(find_);
  if (absl::Status s = BindKey(find_, 1, key); !s.ok()) return s;
  switch (sqlite3_step(find_)) {
    case SQLITE_ROW: {
      const void* bytes = sqlite3_column_blob(find_, 0);
      const int size = sqlite3_column_bytes(find_, 0);
      if (bytes == nullptr) return std::string();
      return std::string(static_cast<const char*>(bytes), size);
    }
    case SQLITE_DONE:
      return std::nullopt;
    default:
      return Error("get");
  }
}

absl::Status SqliteTable::Write(sqlite3_stmt* statement, std::string_view key,
                                std::string_view value) {
  ResetOnExit reset(statement);
  if (absl::Status s = BindKey(statement, 1, key); !s.ok()) return s;
  const int size = static_cast<int>(value.size());
  const int bound = text_values_
                        ? sqlite3_bind_text(statement, 2, value.data(), size, SQLITE_TRANSIENT)
                        : sqlite3_bind_blob(statement, 2, value.data(), size, SQLITE_TRANSIENT);
  if (bound != SQLITE_OK || sqlite3_step(statement) != SQLITE_DONE) return Error("set");
  return absl::OkStatus();
}

absl::Status SqliteTable::Put(std::string_view key, std::string_view value) {
  absl::MutexLock lock(&mu_);
  // Update-then-insert in one write transaction: no unique index on the key
  // column is needed, and no other writer can slip a row in between.
  if (absl::Status s = Exec("BEGIN IMMEDIATE"); !s.ok()) return s;
  absl::Status status = Write(update_, key, value);
  if (status.ok() && sqlite3_changes(db_) == 0) status = Write(insert_, key, value);
  if (!status.ok()) {
    Exec("ROLLBACK").IgnoreError();
    return status;
  }
  return Exec("COMMIT");
}

absl::StatusOr<bool> SqliteTable::Erase(std::string_view key) {
  absl::MutexLock lock(&mu_);
  ResetOnExit reset(erase_);
  if (absl::Status s = BindKey(erase_, 1, key); !s.ok()) return s;
  if (sqlite3_step(erase_) != SQLITE_DONE) return Error("delete");
  return sqlite3_changes(db_) > 0;
}

absl::Status SqliteTable::Clear() {
  absl::MutexLock lock(&mu_);
  ResetOnExit reset(clear_);
  if (sqlite3_step(clear_) != SQLITE_DONE) return Error("flush_all");
  return absl::OkStatus();
}

}  // namespace memgate::examples
