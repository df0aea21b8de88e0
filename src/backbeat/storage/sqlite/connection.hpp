#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "backbeat/core/status.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace backbeat::storage::sqlite {

// Translates an SQLite result code into the project's error codes, which carry retry meaning:
// unique/primary-key violations are AlreadyExists, a lock timeout is Unavailable (retry the
// call), a lost snapshot or shared-cache lock is Aborted (retry the transaction), I/O, disk-full
// and out-of-memory are Unavailable, a file that is not a database or is read-only is
// FailedPrecondition, corruption and misuse are Internal. `extended_code` is an extended result
// code; `context` says what was being done.
core::Status MapSqliteError(int extended_code, std::string_view sqlite_message,
                            std::string_view context);

class Connection;

// A prepared statement borrowed from a connection's cache. Binding is by 1-based parameter
// index; values are copied into SQLite, so temporaries may be bound. On destruction the statement
// is reset and its bindings cleared, which also ends any read it held open.
//
// Thread-safety: none; used by the thread that holds the connection.
class Statement {
 public:
  Statement(Connection& connection, sqlite3_stmt* stmt) : connection_(&connection), stmt_(stmt) {}
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Bind failures (too big, out of range) are remembered and returned by the next Step.
  void BindText(int index, std::string_view value);
  void BindInt(int index, int64_t value);
  void BindReal(int index, double value);
  void BindNull(int index);
  void BindOptText(int index, const std::optional<std::string>& value);
  void BindOptInt(int index, std::optional<int64_t> value);
  // Not copied: `value` must stay valid until this Statement is destroyed (which clears the
  // bindings). For hot writes of large rows, where the copies show in profiles.
  void BindTextRef(int index, std::string_view value);
  void BindOptTextRef(int index, const std::optional<std::string>& value);

  // True when a row is ready to read, false when the statement has finished.
  core::Result<bool> Step();
  // Steps until the statement finishes (for statements that return no rows).
  core::Status Run();

  bool IsNull(int column) const;
  // Text exactly as stored, embedded NUL bytes included.
  std::string Text(int column) const;
  std::optional<std::string> OptText(int column) const;
  int64_t Int(int column) const;
  std::optional<int64_t> OptInt(int column) const;
  double Real(int column) const;

 private:
  Connection* connection_;
  sqlite3_stmt* stmt_;
  int bind_error_ = 0;  // The first failed bind's result code, 0 when none.
};

// One SQLite connection and its cache of prepared statements (prepared once per SQL text, for
// the connection's lifetime). Opened in SQLite's multi-thread mode: the connection must be used
// by one thread at a time, which the owner (the writer thread or the read pool) guarantees.
//
// Thread-safety: none; see above.
class Connection {
 public:
  enum class Mode { kReadWrite, kReadOnly };

  // Opens (and for kReadWrite creates) the database file with the given busy timeout.
  static core::Result<std::unique_ptr<Connection>> Open(const std::string& path, Mode mode,
                                                        int busy_timeout_ms);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // A cached prepared statement for `sql`, which must hold exactly one statement and contain
  // values only as `?` parameters.
  core::Result<Statement> Prepare(std::string_view sql);
  // Prepares (cached) and runs a statement without parameters or rows: BEGIN, COMMIT, PRAGMA...
  core::Status Exec(std::string_view sql);
  // Runs a script of several statements without parameters (schema migrations); not cached.
  core::Status ExecScript(const std::string& sql);
  // Rows changed by the last INSERT, UPDATE or DELETE on this connection.
  int64_t Changes() const;
  // True when no transaction is open, which after an error means SQLite rolled it back.
  bool InAutocommit() const;
  // The error of the last failed call on this connection, in project terms.
  core::Status LastError(std::string_view context) const;

  sqlite3* handle() { return db_; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}

  // Looked up by string_view: the cache is hit on every statement, and building a std::string
  // key from the SQL text each time was a malloc and a copy per call.
  struct SqlHash {
    using is_transparent = void;
    size_t operator()(std::string_view sql) const { return std::hash<std::string_view>{}(sql); }
  };

  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*, SqlHash, std::equal_to<>> statements_;
};

}  // namespace backbeat::storage::sqlite
