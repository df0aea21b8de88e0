#include "tests/e2e/server_fixture.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace backbeat::testing {
namespace {

using Clock = std::chrono::steady_clock;

std::string MakeTempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string templ =
      std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/backbeat-e2e-XXXXXX";
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  if (mkdtemp(buf.data()) == nullptr) return {};
  return std::string(buf.data());
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The child's environment: ours without BACKBEAT_*, which would override the test's flags.
std::vector<std::string> ChildEnvironment() {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view entry(*e);
    if (!entry.starts_with("BACKBEAT_")) env.emplace_back(entry);
  }
  return env;
}

std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

int ExitCodeOf(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// The admin commands run through RunProcess, which passes our environment on; drop the
// BACKBEAT_* settings from it once, before any thread exists, so they cannot redirect the
// commands (BACKBEAT_SECRET_FILE would make them hash keys with another secret). The test
// settings (BACKBEAT_E2E_*, BACKBEAT_TEST_* such as the PostgreSQL server) stay for the tests.
void ScrubEnvironmentOnce() {
  static const bool scrubbed = [] {
    std::vector<std::string> names;
    for (char** e = environ; *e != nullptr; ++e) {
      std::string_view entry(*e);
      if (entry.starts_with("BACKBEAT_") && !entry.starts_with("BACKBEAT_E2E_") &&
          !entry.starts_with("BACKBEAT_TEST_")) {
        names.emplace_back(entry.substr(0, entry.find('=')));
      }
    }
    for (const std::string& name : names) unsetenv(name.c_str());
    return true;
  }();
  (void)scrubbed;
}

}  // namespace

ServerFixture::ServerFixture(std::vector<std::string> extra_args)
    : extra_args_(std::move(extra_args)), dir_(MakeTempDir()), log_path_(dir_ + "/server.log") {
  ScrubEnvironmentOnce();
  if (std::find(extra_args_.begin(), extra_args_.end(), "--rate-limit") == extra_args_.end()) {
    extra_args_.insert(extra_args_.begin(), {"--rate-limit", "0"});
  }
}

ServerFixture::ServerFixture(std::vector<std::string> extra_args, std::string db_url,
                             std::string secret_file)
    : ServerFixture(std::move(extra_args)) {
  db_url_ = std::move(db_url);
  secret_file_ = secret_file.empty() ? dir_ + "/backbeat.secret" : std::move(secret_file);
}

ServerFixture::~ServerFixture() {
  Kill();
  if (!dir_.empty() && std::getenv("BACKBEAT_E2E_KEEP") == nullptr) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

core::Status ServerFixture::Spawn() {
  std::vector<std::string> argv = {BACKBEAT_BINARY, "serve",    "--db",
                                   db_url(),        "--listen", "127.0.0.1:0"};
  if (!db_url_.empty()) {
    // No database file to live beside: name both files, in places this fixture owns.
    argv.insert(argv.end(),
                {"--secret-file", secret_file_, "--admin-key-file", dir_ + "/admin.key"});
  }
  argv.insert(argv.end(), extra_args_.begin(), extra_args_.end());
  std::vector<std::string> env = ChildEnvironment();

  // O_APPEND: a restarted server continues the same log, so tests can read both lives.
  int log_fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd < 0) return core::Internal("cannot open " + log_path_);
  int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, null_fd, STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, null_fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, log_fd, STDERR_FILENO);
  posix_spawn_file_actions_addchdir_np(&actions, dir_.c_str());
  // The test process may block signals (gtest does not, but a runner might); the server relies
  // on its own sigwait, so it starts with an empty mask and default dispositions.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t empty, all;
  sigemptyset(&empty);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> args = Pointers(argv);
  std::vector<char*> envp = Pointers(env);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, args[0], &actions, &attr, args.data(), envp.data());
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  close(log_fd);
  if (null_fd >= 0) close(null_fd);
  if (rc != 0) return core::Internal(std::string("posix_spawn failed: ") + std::strerror(rc));
  pid_ = pid;
  return core::Status();
}

core::Status ServerFixture::Start(std::chrono::milliseconds within) {
  if (dir_.empty()) return core::Internal("no temporary directory");
  if (running()) return core::FailedPrecondition("already running");
  // Only a `listening` line written by this start counts.
  const size_t log_offset = ReadLog().size();
  port_ = 0;
  if (core::Status s = Spawn(); !s.ok()) return s;

  const Clock::time_point deadline = Clock::now() + within;
  while (true) {
    std::string log = ReadLog();
    std::istringstream lines(log.substr(std::min(log_offset, log.size())));
    std::string line;
    while (std::getline(lines, line)) {
      boost::json::value v = ParseJson(line);
      if (!v.is_object()) continue;
      const boost::json::object& o = v.as_object();
      const boost::json::value* msg = o.if_contains("msg");
      const boost::json::value* port = o.if_contains("port");
      if (msg != nullptr && *msg == "listening" && port != nullptr && port->is_int64()) {
        port_ = static_cast<uint16_t>(port->as_int64());
      }
    }
    if (port_ != 0) break;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return core::Unavailable("server exited with " + std::to_string(ExitCodeOf(status)) +
                               " before listening; log:\n" + log);
    }
    if (Clock::now() >= deadline) {
      Kill();
      return core::Unavailable("server did not listen in time; log:\n" + log);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (admin_key_.empty()) {
    std::string key = ReadFile(dir_ + "/admin.key");
    while (!key.empty() && (key.back() == '\n' || key.back() == '\r')) key.pop_back();
    admin_key_ = key;
  }
  return core::Status();
}

void ServerFixture::Signal(int signal_number) const {
  if (pid_ > 0) kill(pid_, signal_number);
}

int ServerFixture::WaitForExit(std::chrono::milliseconds within) {
  if (pid_ <= 0) return -1;
  const Clock::time_point deadline = Clock::now() + within;
  while (true) {
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      return ExitCodeOf(status);
    }
    if (r < 0 && errno != EINTR) {
      pid_ = -1;
      return -1;
    }
    if (Clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

int ServerFixture::Stop(std::chrono::milliseconds within) {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int code = WaitForExit(within);
  if (code == -1 && pid_ > 0) Kill();
  return code;
}

void ServerFixture::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

core::Status ServerFixture::Restart() {
  Kill();
  return Start();
}

std::string ServerFixture::ReadLog() const { return ReadFile(log_path_); }

std::vector<boost::json::value> ServerFixture::LogLines() const {
  std::vector<boost::json::value> out;
  std::istringstream lines(ReadLog());
  std::string line;
  while (std::getline(lines, line)) {
    boost::json::value v = ParseJson(line);
    if (v.is_object()) {
      out.push_back(std::move(v));
    } else {
      out.emplace_back(boost::json::string(line));
    }
  }
  return out;
}

ProcessResult ServerFixture::Admin(std::vector<std::string> args) const {
  args.insert(args.begin(), BACKBEAT_BINARY);
  args.push_back("--db");
  args.push_back(db_url());
  if (!secret_file_.empty() && args[1] != "migrate") {  // migrate needs no secret
    args.push_back("--secret-file");
    args.push_back(secret_file_);
  }
  return RunProcess(args);
}

core::Result<std::string> ServerFixture::CreateKey(const std::string& account_id,
                                                   const std::vector<std::string>& extra,
                                                   std::string* key_id) const {
  std::vector<std::string> args = {"key", "create", "--account", account_id};
  args.insert(args.end(), extra.begin(), extra.end());
  ProcessResult r = Admin(args);
  if (r.exit_code != 0) return core::Internal("key create failed: " + r.err);
  std::string key = r.out;
  while (!key.empty() && key.back() == '\n') key.pop_back();
  if (key_id != nullptr) {
    // stderr: "key key_... for account ..."
    size_t at = r.err.find("key_");
    if (at == std::string::npos) return core::Internal("no key id in: " + r.err);
    *key_id = r.err.substr(at, r.err.find_first_of(" \n", at) - at);
  }
  return key;
}

core::Result<ServerFixture::Account> ServerFixture::CreateAccount(const std::string& email) const {
  ProcessResult r = Admin({"account", "create", "--email", email});
  if (r.exit_code != 0) return core::Internal("account create failed: " + r.err);
  Account account;
  account.id = r.out.substr(0, r.out.find('\n'));
  auto key = CreateKey(account.id, {}, &account.key_id);
  if (!key.ok()) return key.status();
  account.key = *key;
  return account;
}

core::Result<HttpClient> ServerFixture::Connect(std::chrono::milliseconds timeout) const {
  HttpClient client(timeout);
  if (core::Status s = client.Connect("127.0.0.1", port_); !s.ok()) return s;
  return client;
}

core::Result<HttpResponse> ServerFixture::Call(std::string_view method, std::string_view target,
                                               std::string_view body,
                                               const HeaderList& headers) const {
  auto client = Connect();
  if (!client.ok()) return client.status();
  return client->RoundTrip(method, target, body, headers);
}

ApiResponse CallApi(const ServerFixture& server, std::string_view method, std::string_view target,
                    const std::string& key, std::string_view body, HeaderList headers) {
  if (!key.empty()) headers.emplace_back("x-api-key", key);
  if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
  ApiResponse out;
  auto response = server.Call(method, target, body, headers);
  if (!response.ok()) {
    out.http.body = std::string(response.status().message());
    return out;
  }
  out.status = response->status;
  out.http = std::move(response).value();
  out.json = ParseJson(out.http.body);
  return out;
}

boost::json::value ParseJson(std::string_view text) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec) return nullptr;
  return v;
}

boost::json::value ErrorJson(std::string_view message) {
  return boost::json::object{{"status", "error"}, {"error", message}, {"message", message}};
}

boost::json::value ErrorJson(std::string_view message, std::vector<std::string> missing_fields) {
  boost::json::value v = ErrorJson(message);
  boost::json::array fields;
  for (const std::string& f : missing_fields) fields.emplace_back(f);
  v.as_object()["missing_fields"] = std::move(fields);
  return v;
}

std::string UrlEncode(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

}  // namespace backbeat::testing
