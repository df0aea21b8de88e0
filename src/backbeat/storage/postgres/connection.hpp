#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "backbeat/core/status.hpp"

// libpq's handles, declared here so that users of this header need not include libpq-fe.h.
struct pg_conn;
struct pg_result;

namespace backbeat::storage::postgres {

// Translates a failed libpq result into the project's error codes, which carry retry meaning:
// unique violations (23505) are AlreadyExists and name the violated constraint in the message,
// serialization failures (40001) and deadlocks (40P01) are Aborted (retry the transaction),
// connection failures, shutdowns, timeouts and exhausted resources are Unavailable (retry the
// call), foreign-key and check violations are FailedPrecondition, data exceptions (a value the
// column cannot hold, invalid UTF-8) are InvalidArgument, anything else is Internal.
// `sqlstate` is null when libpq failed without a server answer (a lost connection).
core::Status MapPgError(const char* sqlstate, std::string_view message, std::string_view constraint,
                        std::string_view context);

// Parameters of one statement, bound in order to $1, $2, ... and sent in text format.
class Params {
 public:
  Params& Text(std::string_view v);
  Params& Int(int64_t v);
  Params& Bool(bool v);
  Params& Double(double v);
  Params& Null();
  Params& OptText(const std::optional<std::string>& v);
  Params& OptInt(std::optional<int64_t> v);
  // A one-dimensional array literal ({"a","b"}); nullopt elements are NULL.
  Params& TextArray(const std::vector<std::string>& v);
  Params& OptTextArray(const std::vector<std::optional<std::string>>& v);
  Params& OptIntArray(const std::vector<std::optional<int64_t>>& v);

  size_t size() const { return values_.size(); }
  const std::vector<std::optional<std::string>>& values() const { return values_; }
  // PostgreSQL text cannot hold a NUL byte (and libpq would cut the value there): a statement
  // given such a value is refused with InvalidArgument instead.
  bool has_nul() const { return has_nul_; }

 private:
  void Add(std::string v);

  std::vector<std::optional<std::string>> values_;
  bool has_nul_ = false;
};

// The rows (or the command status) of one successful statement. Columns are read by 0-based
// index in text format; reading a column as the wrong type or out of range is a programming
// error.
//
// Thread-safety: none needed; immutable after construction.
class Rows {
 public:
  explicit Rows(pg_result* result);
  Rows(Rows&&) noexcept = default;
  Rows& operator=(Rows&&) noexcept = default;
  ~Rows();

  int size() const;
  bool empty() const { return size() == 0; }
  bool IsNull(int row, int column) const;
  std::string Text(int row, int column) const;
  std::optional<std::string> OptText(int row, int column) const;
  int64_t Int(int row, int column) const;
  std::optional<int64_t> OptInt(int row, int column) const;
  bool Bool(int row, int column) const;
  double Double(int row, int column) const;
  // Rows changed by an INSERT, UPDATE or DELETE (without RETURNING: with it, size()).
  int64_t Affected() const;

 private:
  struct Free {
    void operator()(pg_result* r) const;
  };
  std::unique_ptr<pg_result, Free> result_;
};

// One libpq connection and the statements prepared on it (each SQL text is prepared once per
// connection, under a generated name, and then executed by name). Every session starts with
// the statement timeout, shortest round-trip float output and notices silenced.
//
// Thread-safety: none; one thread at a time (the pool hands a connection to one caller).
class Connection {
 public:
  // Connects with a libpq connection string or postgresql:// URL. Unavailable if the server
  // cannot be reached or refuses the session; the message never contains the password.
  static core::Result<std::unique_ptr<Connection>> Open(
      const std::string& conninfo, std::chrono::milliseconds statement_timeout);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Prepares `sql` (once) and runs it with `params`. `sql` holds one statement with values
  // only as $n parameters.
  core::Result<Rows> Exec(std::string_view sql, const Params& params = {});
  // Runs SQL without parameters through the simple protocol: several statements may be given
  // (migrations, BEGIN, COMMIT, SET). Not prepared.
  core::Status ExecScript(const std::string& sql);

  // True once libpq has seen the connection fail or the server said it ends the session; such
  // a connection is never reused.
  bool Broken() const;
  // True when no transaction is open or failed on the session (the state to return it in).
  bool Idle() const;
  // Reads whatever the server sent while the connection sat idle (a shutdown or termination
  // notice) without blocking; false when the connection turned out to be gone.
  bool CheckAlive();
  // The server process serving this session (pg_backend_pid()).
  int BackendPid() const;

 private:
  explicit Connection(pg_conn* conn) : conn_(conn) {}
  core::Status ErrorOf(pg_result* result, std::string_view context) const;

  struct SqlHash {
    using is_transparent = void;
    size_t operator()(std::string_view sql) const { return std::hash<std::string_view>{}(sql); }
  };

  pg_conn* conn_;
  bool ended_by_server_ = false;  // a FATAL notice arrived: the server closes the session
  // SQL text -> name of the statement prepared for it on this session.
  std::unordered_map<std::string, std::string, SqlHash, std::equal_to<>> prepared_;
};

// `conninfo` with any password replaced by "***", for logs and error messages.
std::string RedactConninfo(std::string_view conninfo);

}  // namespace backbeat::storage::postgres
