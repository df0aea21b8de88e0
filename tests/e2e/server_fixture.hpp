#pragma once

#include <sys/types.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "backbeat/core/status.hpp"
#include "tests/e2e/subprocess.hpp"
#include "tests/support/http_client.hpp"

namespace backbeat::testing {

// One real `backbeat serve` process (the binary named by BACKBEAT_BINARY) on 127.0.0.1, port 0,
// with its own temporary directory holding the SQLite database, the secret, the admin key and
// the server's stderr (a file, so a chatty server can never block on a full pipe).
//
// Start() spawns the server and waits (bounded) for its `listening` log line to learn the port.
// Stop() sends SIGTERM and reaps the exit code; Kill() sends SIGKILL; Restart() starts again on
// the same database, appending to the same log. The destructor kills a running server and
// removes the directory, so a failing test never leaves a process or files behind.
//
// The child gets the test's environment minus BACKBEAT_* variables, so that a developer's
// settings cannot change what the tests see.
//
// Not thread-safe for Start/Stop/Kill/Restart; the const accessors and Call() may be used from
// several threads while the server runs (each Call opens its own connection).
class ServerFixture {
 public:
  // `extra_args` go after `serve --db ... --listen 127.0.0.1:0`. Unless `extra_args` says
  // otherwise, the rate limit is off (`--rate-limit 0`) so tests that send many requests are not
  // throttled; the rate-limit test passes its own.
  explicit ServerFixture(std::vector<std::string> extra_args = {});
  // A server on the database at `db_url` (a postgresql:// URL) instead of a SQLite file in its
  // directory. `secret_file` goes to the server and to Admin() commands: nodes sharing one
  // database must share it, or a key minted through one is unknown to the others (empty: one
  // in this fixture's directory). The first start on an empty database writes admin.key into
  // this fixture's directory.
  ServerFixture(std::vector<std::string> extra_args, std::string db_url, std::string secret_file);
  ~ServerFixture();
  ServerFixture(const ServerFixture&) = delete;
  ServerFixture& operator=(const ServerFixture&) = delete;

  // Spawns the server and waits up to `within` for it to listen. Fails (with the log) if the
  // process exits first or the deadline passes; the process is killed in that case.
  core::Status Start(std::chrono::milliseconds within = std::chrono::seconds(10));
  // SIGTERM, then waits up to `within` for the exit. Returns the exit code (128 + signal when a
  // signal ended it); -1 if it did not exit in time (it is then killed).
  int Stop(std::chrono::milliseconds within = std::chrono::seconds(15));
  // SIGKILL and reap. No-op when not running.
  void Kill();
  // Kills a running server (if any) and starts a new one on the same database.
  core::Status Restart();
  // Sends `signal` without waiting (for tests that watch what happens meanwhile).
  void Signal(int signal_number) const;
  // Waits up to `within` for the process to exit; its exit code, or -1 if still running.
  int WaitForExit(std::chrono::milliseconds within);
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

  uint16_t port() const { return port_; }
  const std::string& dir() const { return dir_; }
  std::string db_url() const {
    return db_url_.empty() ? "sqlite:" + dir_ + "/backbeat.db" : db_url_;
  }
  std::string db_path() const { return dir_ + "/backbeat.db"; }
  // The key the first start wrote to admin.key (without the newline).
  const std::string& admin_key() const { return admin_key_; }
  // Everything the server(s) wrote to stderr so far.
  std::string ReadLog() const;
  // The log as JSON objects, one per line; a line that does not parse becomes a string value
  // holding the line, so tests can assert there are none.
  std::vector<boost::json::value> LogLines() const;

  // Runs `backbeat <args...> --db <this database>`.
  ProcessResult Admin(std::vector<std::string> args) const;
  // Creates an account with this email and an API key for it.
  struct Account {
    std::string id;
    std::string key;
    std::string key_id;
  };
  core::Result<Account> CreateAccount(const std::string& email) const;
  // Mints a key for the account (`extra`: e.g. {"--expires-in", "1s"}); the key id goes to
  // `key_id` when given.
  core::Result<std::string> CreateKey(const std::string& account_id,
                                      const std::vector<std::string>& extra = {},
                                      std::string* key_id = nullptr) const;

  // A connected client (new connection).
  core::Result<HttpClient> Connect(
      std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;
  // One request on a fresh connection.
  core::Result<HttpResponse> Call(std::string_view method, std::string_view target,
                                  std::string_view body = {}, const HeaderList& headers = {}) const;

 private:
  core::Status Spawn();
  std::vector<std::string> extra_args_;
  std::string db_url_;       // empty: the SQLite file in dir_
  std::string secret_file_;  // empty: the server's default, beside the SQLite file
  std::string dir_;
  std::string log_path_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  std::string admin_key_;
};

// A test-side view of a JSON API answer.
struct ApiResponse {
  int status = 0;
  HttpResponse http;
  boost::json::value json;  // null when the body is not JSON
};

// Calls `method target` with `x-api-key: key` (none when empty) and a JSON body (content type set
// when the body is not empty). Transport failures come back as status 0 with the reason in
// http.body.
ApiResponse CallApi(const ServerFixture& server, std::string_view method, std::string_view target,
                    const std::string& key, std::string_view body = {}, HeaderList headers = {});

// Parses JSON, or null on failure.
boost::json::value ParseJson(std::string_view text);

// The exact error body of API.md section 1 (missing_fields only when given).
boost::json::value ErrorJson(std::string_view message);
boost::json::value ErrorJson(std::string_view message, std::vector<std::string> missing_fields);

// Percent-encodes a query value.
std::string UrlEncode(std::string_view value);

}  // namespace backbeat::testing
