#include "backbeat/storage/sqlite/connection.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <mutex>
#include <utility>

namespace backbeat::storage::sqlite {

core::Status MapSqliteError(int extended_code, std::string_view sqlite_message,
                            std::string_view context) {
  std::string message = "sqlite: ";
  message += context;
  message += ": ";
  message += sqlite_message;
  switch (extended_code) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return core::AlreadyExists(std::move(message));
    case SQLITE_BUSY_SNAPSHOT:
      return core::Aborted(std::move(message));
    default:
      break;
  }
  switch (extended_code & 0xff) {
    case SQLITE_CONSTRAINT:
      // CHECK, NOT NULL, foreign keys: the caller handed over a value the schema forbids.
      return core::InvalidArgument(std::move(message));
    case SQLITE_BUSY:
      return core::Unavailable(std::move(message));
    case SQLITE_LOCKED:
      return core::Aborted(std::move(message));
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_NOMEM:
    case SQLITE_CANTOPEN:
    case SQLITE_PROTOCOL:
    case SQLITE_INTERRUPT:
      return core::Unavailable(std::move(message));
    case SQLITE_READONLY:
      // The file or its file system went read-only under us: an operator's matter, and writes
      // may work again once it is fixed.
      return core::Unavailable(std::move(message));
    case SQLITE_NOTADB:
    case SQLITE_TOOBIG:
    case SQLITE_RANGE:
      return core::FailedPrecondition(std::move(message));
    default:
      return core::Internal(std::move(message));
  }
}

Statement::Statement(Statement&& other) noexcept
    : connection_(other.connection_),
      stmt_(std::exchange(other.stmt_, nullptr)),
      bind_error_(other.bind_error_) {}

Statement::~Statement() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

void Statement::BindText(int index, std::string_view value) {
  // SQLITE_TRANSIENT copies the bytes, so the caller may bind temporaries; an explicit length
  // keeps embedded NUL bytes.
  int rc =
      sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
}

void Statement::BindTextRef(int index, std::string_view value) {
  int rc =
      sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_STATIC, SQLITE_UTF8);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
}

void Statement::BindOptTextRef(int index, const std::optional<std::string>& value) {
  if (value) {
    BindTextRef(index, *value);
  } else {
    BindNull(index);
  }
}

void Statement::BindInt(int index, int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
}

void Statement::BindReal(int index, double value) {
  int rc = sqlite3_bind_double(stmt_, index, value);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
}

void Statement::BindNull(int index) {
  int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
}

void Statement::BindOptText(int index, const std::optional<std::string>& value) {
  if (value) {
    BindText(index, *value);
  } else {
    BindNull(index);
  }
}

void Statement::BindOptInt(int index, std::optional<int64_t> value) {
  if (value) {
    BindInt(index, *value);
  } else {
    BindNull(index);
  }
}

core::Result<bool> Statement::Step() {
  if (bind_error_ != 0) {
    return MapSqliteError(bind_error_, sqlite3_errstr(bind_error_), "binding a parameter");
  }
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return connection_->LastError(sqlite3_sql(stmt_));
}

core::Status Statement::Run() {
  for (;;) {
    core::Result<bool> row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return core::Status::Ok();
  }
}

bool Statement::IsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::string Statement::Text(int column) const {
  // column_text before column_bytes: the documented order that yields the UTF-8 length.
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  int bytes = sqlite3_column_bytes(stmt_, column);
  if (text == nullptr) return {};
  return {reinterpret_cast<const char*>(text), static_cast<size_t>(bytes)};
}

std::optional<std::string> Statement::OptText(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Text(column);
}

int64_t Statement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

std::optional<int64_t> Statement::OptInt(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Int(column);
}

double Statement::Real(int column) const { return sqlite3_column_double(stmt_, column); }

core::Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path, Mode mode,
                                                           int busy_timeout_ms) {
  // Before SQLite initialises: no global memory statistics. They put one process-wide mutex
  // around every allocation SQLite makes (8% of the writer's time in a firing burst), and
  // nothing reads them. If SQLite is already initialised the call is refused and harmless.
  static std::once_flag configured;
  std::call_once(configured, [] { (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
  // NOMUTEX: each connection is confined to one thread at a time by its owner, so SQLite's
  // per-connection mutex would only cost.
  int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  flags |= mode == Mode::kReadWrite ? (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
                                    : SQLITE_OPEN_READONLY;
  if (mode == Mode::kReadWrite && !path.empty() && path != ":memory:" &&
      !path.starts_with("file:")) {
    // SQLite would create the file with mode 0644, and gives its -wal and -shm files the mode of
    // the database: prompts, outputs and emails are nobody else's to read.
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) ::close(fd);
  }
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    core::Status error =
        MapSqliteError(rc, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc), "opening " + path);
    sqlite3_close_v2(db);
    return error;
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, busy_timeout_ms);
  return std::unique_ptr<Connection>(new Connection(db));
}

Connection::~Connection() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

core::Result<Statement> Connection::Prepare(std::string_view sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return LastError("preparing " + std::string(sql));
    it = statements_.emplace(std::string(sql), stmt).first;
  }
  return Statement(*this, it->second);
}

core::Status Connection::Exec(std::string_view sql) {
  core::Result<Statement> stmt = Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  return stmt->Run();
}

core::Status Connection::ExecScript(const std::string& sql) {
  char* error = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error);
  if (rc == SQLITE_OK) return core::Status::Ok();
  core::Status status = MapSqliteError(sqlite3_extended_errcode(db_),
                                       error ? error : sqlite3_errstr(rc), "running a script");
  sqlite3_free(error);
  return status;
}

int64_t Connection::Changes() const { return sqlite3_changes64(db_); }

bool Connection::InAutocommit() const { return sqlite3_get_autocommit(db_) != 0; }

core::Status Connection::LastError(std::string_view context) const {
  return MapSqliteError(sqlite3_extended_errcode(db_), sqlite3_errmsg(db_), context);
}

}  // namespace backbeat::storage::sqlite
