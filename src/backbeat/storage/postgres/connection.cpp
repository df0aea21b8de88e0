#include "backbeat/storage/postgres/connection.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <charconv>
#include <string>
#include <system_error>

namespace backbeat::storage::postgres {
namespace {

// libpq messages end with a newline and may span lines ("...failed: Connection refused\n\tIs
// the server running..."); one line reads better in a log.
std::string Trimmed(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.remove_suffix(1);
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\n') {
      out += s[i];
      continue;
    }
    out += "; ";
    while (i + 1 < s.size() && (s[i + 1] == '\t' || s[i + 1] == ' ')) ++i;
  }
  return out;
}

void AppendArrayElement(std::string& out, std::string_view v) {
  out += '"';
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

}  // namespace

core::Status MapPgError(const char* sqlstate, std::string_view message, std::string_view constraint,
                        std::string_view context) {
  std::string text = std::string(context) + ": " + Trimmed(message);
  if (sqlstate == nullptr) return core::Unavailable("PostgreSQL connection lost: " + text);
  const std::string_view state(sqlstate);
  if (state == "23505") {
    // Callers tell which key was taken by the constraint's name.
    return core::AlreadyExists(text + " (constraint " + std::string(constraint) + ")");
  }
  if (state == "40001" || state == "40P01") return core::Aborted(text);
  // Connection exceptions, admin shutdown / crash recovery / cannot connect now, statement
  // timeout or cancel, lock timeout, insufficient resources, a read-only standby after a
  // failover: all transient.
  if (state.starts_with("08") || state.starts_with("57P") || state == "57014" || state == "55P03" ||
      state.starts_with("53") || state == "25006") {
    return core::Unavailable(text);
  }
  if (state.starts_with("23")) return core::FailedPrecondition(text);
  if (state.starts_with("22")) return core::InvalidArgument(text);
  return core::Internal(text + " (SQLSTATE " + std::string(state) + ")");
}

// --- Params ---

void Params::Add(std::string v) {
  if (v.find('\0') != std::string::npos) has_nul_ = true;
  values_.emplace_back(std::move(v));
}

Params& Params::Text(std::string_view v) {
  Add(std::string(v));
  return *this;
}
Params& Params::Int(int64_t v) {
  values_.emplace_back(std::to_string(v));
  return *this;
}
Params& Params::Bool(bool v) {
  values_.emplace_back(v ? "t" : "f");
  return *this;
}
Params& Params::Double(double v) {
  // Shortest text that reads back as exactly the same double.
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  values_.emplace_back(std::string(buf, ec == std::errc() ? end : buf));
  return *this;
}
Params& Params::Null() {
  values_.emplace_back(std::nullopt);
  return *this;
}
Params& Params::OptText(const std::optional<std::string>& v) {
  if (v) return Text(*v);
  return Null();
}
Params& Params::OptInt(std::optional<int64_t> v) {
  if (v) return Int(*v);
  return Null();
}
Params& Params::TextArray(const std::vector<std::string>& v) {
  std::string out = "{";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out += ',';
    AppendArrayElement(out, v[i]);
  }
  out += '}';
  Add(std::move(out));
  return *this;
}
Params& Params::OptTextArray(const std::vector<std::optional<std::string>>& v) {
  std::string out = "{";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out += ',';
    if (v[i]) {
      AppendArrayElement(out, *v[i]);
    } else {
      out += "NULL";
    }
  }
  out += '}';
  Add(std::move(out));
  return *this;
}
Params& Params::OptIntArray(const std::vector<std::optional<int64_t>>& v) {
  std::string out = "{";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out += ',';
    out += v[i] ? std::to_string(*v[i]) : "NULL";
  }
  out += '}';
  Add(std::move(out));
  return *this;
}

// --- Rows ---

void Rows::Free::operator()(pg_result* r) const { PQclear(r); }

Rows::Rows(pg_result* result) : result_(result) {}
Rows::~Rows() = default;

int Rows::size() const { return PQntuples(result_.get()); }
bool Rows::IsNull(int row, int column) const {
  return PQgetisnull(result_.get(), row, column) != 0;
}
std::string Rows::Text(int row, int column) const {
  return std::string(PQgetvalue(result_.get(), row, column),
                     static_cast<size_t>(PQgetlength(result_.get(), row, column)));
}
std::optional<std::string> Rows::OptText(int row, int column) const {
  if (IsNull(row, column)) return std::nullopt;
  return Text(row, column);
}
int64_t Rows::Int(int row, int column) const {
  const char* v = PQgetvalue(result_.get(), row, column);
  const char* end = v + PQgetlength(result_.get(), row, column);
  int64_t out = 0;
  std::from_chars(v, end, out);
  return out;
}
std::optional<int64_t> Rows::OptInt(int row, int column) const {
  if (IsNull(row, column)) return std::nullopt;
  return Int(row, column);
}
bool Rows::Bool(int row, int column) const {
  return PQgetvalue(result_.get(), row, column)[0] == 't';
}
double Rows::Double(int row, int column) const {
  const char* v = PQgetvalue(result_.get(), row, column);
  const char* end = v + PQgetlength(result_.get(), row, column);
  double out = 0;
  std::from_chars(v, end, out);
  return out;
}
int64_t Rows::Affected() const {
  const char* n = PQcmdTuples(result_.get());
  int64_t out = 0;
  std::from_chars(n, n + std::char_traits<char>::length(n), out);
  return out;
}

// --- Connection ---

core::Result<std::unique_ptr<Connection>> Connection::Open(
    const std::string& conninfo, std::chrono::milliseconds statement_timeout) {
  // Defaults first: the connection string (expanded from dbname) overrides them.
  const char* keys[] = {"connect_timeout", "client_encoding", "dbname", nullptr};
  const char* values[] = {"10", "UTF8", conninfo.c_str(), nullptr};
  pg_conn* conn = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (conn == nullptr) return core::Unavailable("cannot connect to PostgreSQL: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = Trimmed(PQerrorMessage(conn));
    PQfinish(conn);
    return core::Unavailable("cannot connect to PostgreSQL at " + RedactConninfo(conninfo) + ": " +
                             message);
  }
  auto connection = std::unique_ptr<Connection>(new Connection(conn));
  // Notices (e.g. "relation already exists, skipping") would go to stderr by default. A FATAL
  // one is the server ending an idle session (shutdown, pg_terminate_backend): libpq reports
  // it as a notice and sees the closed socket only at a later read.
  PQsetNoticeReceiver(
      conn,
      [](void* self, const pg_result* notice) {
        const char* severity = PQresultErrorField(notice, PG_DIAG_SEVERITY_NONLOCALIZED);
        if (severity != nullptr && std::string_view(severity) == "FATAL") {
          static_cast<Connection*>(self)->ended_by_server_ = true;
        }
      },
      connection.get());
  // extra_float_digits > 0 makes the server print the shortest exact text of a double, so
  // values round-trip bit for bit whatever the server's default.
  if (core::Status s = connection->ExecScript(
          "SET statement_timeout = " + std::to_string(statement_timeout.count()) +
          "; SET extra_float_digits = 3");
      !s.ok()) {
    return s;
  }
  return connection;
}

Connection::~Connection() { PQfinish(conn_); }

core::Status Connection::ErrorOf(pg_result* result, std::string_view context) const {
  if (result == nullptr || Broken()) {
    return MapPgError(nullptr, PQerrorMessage(conn_), "", context);
  }
  const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
  const char* constraint = PQresultErrorField(result, PG_DIAG_CONSTRAINT_NAME);
  return MapPgError(PQresultErrorField(result, PG_DIAG_SQLSTATE),
                    primary != nullptr ? primary : PQresultErrorMessage(result),
                    constraint != nullptr ? constraint : "", context);
}

core::Result<Rows> Connection::Exec(std::string_view sql, const Params& params) {
  if (params.has_nul()) {
    return core::InvalidArgument("PostgreSQL text cannot contain NUL bytes");
  }
  auto it = prepared_.find(sql);
  if (it == prepared_.end()) {
    std::string name = "bb_" + std::to_string(prepared_.size() + 1);
    const std::string text(sql);
    pg_result* r = PQprepare(conn_, name.c_str(), text.c_str(), 0, nullptr);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
      core::Status s = ErrorOf(r, "preparing a statement");
      PQclear(r);
      return s;
    }
    PQclear(r);
    it = prepared_.emplace(text, std::move(name)).first;
  }
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const std::optional<std::string>& v : params.values()) {
    values.push_back(v ? v->c_str() : nullptr);
  }
  pg_result* r = PQexecPrepared(conn_, it->second.c_str(), static_cast<int>(values.size()),
                                values.data(), nullptr, nullptr, 0);
  ExecStatusType status = PQresultStatus(r);
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return Rows(r);
  core::Status s = ErrorOf(r, "PostgreSQL");
  PQclear(r);
  return s;
}

core::Status Connection::ExecScript(const std::string& sql) {
  pg_result* r = PQexec(conn_, sql.c_str());
  ExecStatusType status = PQresultStatus(r);
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
    PQclear(r);
    return core::Status::Ok();
  }
  core::Status s = ErrorOf(r, "PostgreSQL");
  PQclear(r);
  return s;
}

bool Connection::Broken() const { return ended_by_server_ || PQstatus(conn_) == CONNECTION_BAD; }

bool Connection::Idle() const { return PQtransactionStatus(conn_) == PQTRANS_IDLE; }

bool Connection::CheckAlive() {
  // An idle session is never sent anything but notices and notifications, so a readable socket
  // is worth draining: a server that ended the session left a FATAL notice and then EOF.
  // PQconsumeInput does not block (libpq keeps its socket non-blocking).
  for (int reads = 0; reads < 4 && !Broken(); ++reads) {
    pollfd fd{PQsocket(conn_), POLLIN, 0};
    if (poll(&fd, 1, 0) <= 0) break;
    if (PQconsumeInput(conn_) == 0) return false;
  }
  return !Broken();
}

int Connection::BackendPid() const { return PQbackendPID(conn_); }

std::string RedactConninfo(std::string_view conninfo) {
  std::string out(conninfo);
  // postgresql://user:password@host/...
  if (size_t scheme = out.find("://"); scheme != std::string::npos) {
    size_t auth_start = scheme + 3;
    size_t auth_end = out.find_first_of("/?", auth_start);
    if (auth_end == std::string::npos) auth_end = out.size();
    size_t at = out.rfind('@', auth_end);
    if (at != std::string::npos && at > auth_start) {
      size_t colon = out.find(':', auth_start);
      if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  // password=... as a URL query parameter or a key=value pair.
  for (size_t pos = out.find("password"); pos != std::string::npos;
       pos = out.find("password", pos + 1)) {
    size_t eq = out.find_first_not_of(' ', pos + 8);
    if (eq == std::string::npos || out[eq] != '=') continue;
    size_t start = out.find_first_not_of(' ', eq + 1);
    if (start == std::string::npos) break;
    size_t end = start;
    if (out[start] == '\'') {
      end = out.find('\'', start + 1);
      end = end == std::string::npos ? out.size() : end + 1;
    } else {
      end = out.find_first_of(" &", start);
      if (end == std::string::npos) end = out.size();
    }
    out.replace(start, end - start, "***");
  }
  return out;
}

}  // namespace backbeat::storage::postgres
