#include "backbeat/executors/command_executor.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>

#include "backbeat/executors/payload.hpp"
#include "backbeat/executors/text.hpp"

extern char** environ;

namespace backbeat::executors {
namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// After the program exits, stdout is read for at most this long (its group has been killed,
// so only a process that left the group can hold the pipe open).
constexpr milliseconds kDrainAfterExit{1000};
// The cancel flag and the deadline are checked at least this often.
constexpr milliseconds kPollInterval{50};
// EX_TEMPFAIL from sysexits.h: "try again later".
constexpr int kRetryableExitCode = 75;

// An owned file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

// Moves `fd` above the standard descriptors (when backbeat runs with one of them closed, a pipe
// could land on 0-2 and be clobbered by the child's dup2), keeping it close-on-exec.
int AboveStandardFds(int fd) {
  if (fd > STDERR_FILENO) return fd;
  const int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
  ::close(fd);
  return moved;
}

// A pipe whose ends are close-on-exec, so a program started concurrently by another thread
// never inherits them (which would keep our stdin pipe open past our close).
bool MakePipe(Fd& read_end, Fd& write_end) {
  std::array<int, 2> fds{};
  if (::pipe2(fds.data(), O_CLOEXEC) != 0) return false;
  read_end.reset(AboveStandardFds(fds[0]));
  write_end.reset(AboveStandardFds(fds[1]));
  return read_end.valid() && write_end.valid();
}

void SetNonBlocking(int fd) {
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

// Blocks SIGPIPE on the calling thread for the guard's lifetime; a SIGPIPE raised meanwhile by
// writing to a pipe the program closed is discarded, not delivered.
class SigpipeGuard {
 public:
  SigpipeGuard() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigemptyset(&pending);
    was_pending_ = ::sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1;
    ::pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~SigpipeGuard() {
    if (!was_pending_) {
      sigset_t pending;
      sigemptyset(&pending);
      if (::sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1) {
        const timespec zero{};
        ::sigtimedwait(&pipe_, nullptr, &zero);
      }
    }
    ::pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeGuard(const SigpipeGuard&) = delete;
  SigpipeGuard& operator=(const SigpipeGuard&) = delete;

 private:
  sigset_t pipe_;
  sigset_t old_;
  bool was_pending_ = false;
};

class SpawnSetup {
 public:
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
};

bool IsContextVariable(std::string_view entry) { return entry.starts_with("BACKBEAT_"); }

std::string ErrnoText(int error) { return std::strerror(error); }

}  // namespace

core::Result<std::unique_ptr<CommandExecutor>> CommandExecutor::Create(CommandOptions options) {
  if (options.argv.empty() || options.argv.front().empty()) {
    return core::InvalidArgument("command.argv: the program to run is required");
  }
  const std::string& program = options.argv.front();
  if (program.front() != '/') {
    return core::InvalidArgument("command.argv[0]: must be an absolute path (no PATH search): " +
                                 program);
  }
  struct stat info {};
  if (::stat(program.c_str(), &info) != 0 || !S_ISREG(info.st_mode) ||
      ::access(program.c_str(), X_OK) != 0) {
    return core::InvalidArgument("command.argv[0]: not an executable file: " + program);
  }
  if (!options.working_directory.empty() &&
      (::stat(options.working_directory.c_str(), &info) != 0 || !S_ISDIR(info.st_mode))) {
    return core::InvalidArgument("command.working_directory: not a directory: " +
                                 options.working_directory);
  }
  if (options.max_stdout_bytes == 0) {
    return core::InvalidArgument("command.max_stdout_bytes: must be positive");
  }
  auto valid_name = [](const std::string& name) {
    return !name.empty() && name.find('=') == std::string::npos &&
           name.find('\0') == std::string::npos;
  };
  std::vector<std::string> environment;
  for (const std::string& name : options.pass_environment) {
    if (!valid_name(name)) {
      return core::InvalidArgument("command.pass_environment: invalid variable name '" + name +
                                   "'");
    }
    if (const char* value = std::getenv(name.c_str()); value != nullptr) {
      std::string entry = name;
      entry += '=';
      entry += value;
      environment.push_back(std::move(entry));
    }
  }
  for (const auto& [name, value] : options.environment) {
    if (!valid_name(name) || value.find('\0') != std::string::npos) {
      return core::InvalidArgument("command.environment: invalid variable '" + name + "'");
    }
    std::string entry = name;
    entry += '=';
    entry += value;
    environment.push_back(std::move(entry));
  }
  return std::unique_ptr<CommandExecutor>(
      new CommandExecutor(std::move(options), std::move(environment)));
}

ExecutionResult CommandExecutor::Execute(const ExecutionRequest& request) {
  const Clock::time_point start = Clock::now();
  const Clock::time_point deadline = start + request.timeout;
  auto finish = [start](ExecutionResult result) {
    result.duration_ms = std::chrono::duration_cast<milliseconds>(Clock::now() - start).count();
    return result;
  };
  auto canceled = [&request] { return request.cancel != nullptr && request.cancel->load(); };
  if (canceled()) return finish(Canceled());

  const std::string input = json::serialize(BuildRunPayload(request, options_.default_model));

  std::vector<std::string> environment;
  for (const std::string& entry : base_environment_) {
    if (!IsContextVariable(entry)) environment.push_back(entry);
  }
  const core::Task& task = request.task;
  environment.push_back("BACKBEAT_TASK_ID=" + task.id);
  environment.push_back("BACKBEAT_RUN_ID=" + request.run.id);
  environment.push_back("BACKBEAT_ACCOUNT_ID=" + task.account_id);
  environment.push_back("BACKBEAT_ARTIST_ACCOUNT_ID=" + task.artist_account_id);
  environment.push_back("BACKBEAT_ATTEMPT=" + std::to_string(request.attempt));
  environment.push_back("BACKBEAT_SLOT=" + SlotText(request.run));
  environment.push_back("BACKBEAT_MODEL=" + EffectiveModel(task, options_.default_model));
  for (std::string& entry : environment) {
    // A NUL would silently cut the variable; the stored values never hold one, but be sure.
    entry.erase(std::remove(entry.begin(), entry.end(), '\0'), entry.end());
  }
  std::vector<char*> env_pointers;
  env_pointers.reserve(environment.size() + 1);
  for (std::string& entry : environment) env_pointers.push_back(entry.data());
  env_pointers.push_back(nullptr);
  std::vector<std::string> argv = options_.argv;
  std::vector<char*> argv_pointers;
  argv_pointers.reserve(argv.size() + 1);
  for (std::string& arg : argv) argv_pointers.push_back(arg.data());
  argv_pointers.push_back(nullptr);

  Fd in_read, in_write, out_read, out_write, err_read, err_write;
  if (!MakePipe(in_read, in_write) || !MakePipe(out_read, out_write) ||
      !MakePipe(err_read, err_write)) {
    return finish(Failed("CommandError", "Could not create pipes: " + ErrnoText(errno), true));
  }

  pid_t pid = -1;
  int spawn_error = 0;
  {
    SpawnSetup setup;
    bool ok = posix_spawn_file_actions_adddup2(&setup.actions, in_read.get(), STDIN_FILENO) == 0;
    ok =
        ok && posix_spawn_file_actions_adddup2(&setup.actions, out_write.get(), STDOUT_FILENO) == 0;
    ok =
        ok && posix_spawn_file_actions_adddup2(&setup.actions, err_write.get(), STDERR_FILENO) == 0;
#if defined(__GLIBC__) && defined(__GLIBC_PREREQ)
#if __GLIBC_PREREQ(2, 34)
    // Nothing else of backbeat's (sockets, database files) reaches the program.
    ok = ok && posix_spawn_file_actions_addclosefrom_np(&setup.actions, STDERR_FILENO + 1) == 0;
#endif
#endif
    if (!options_.working_directory.empty()) {
      ok = ok && posix_spawn_file_actions_addchdir_np(&setup.actions,
                                                      options_.working_directory.c_str()) == 0;
    }
    // A new process group (so the whole tree can be killed), no blocked signals, and default
    // dispositions for the signals a server commonly ignores or handles.
    ok =
        ok && posix_spawnattr_setflags(&setup.attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                                        POSIX_SPAWN_SETSIGDEF) == 0;
    ok = ok && posix_spawnattr_setpgroup(&setup.attr, 0) == 0;
    sigset_t none;
    sigemptyset(&none);
    ok = ok && posix_spawnattr_setsigmask(&setup.attr, &none) == 0;
    sigset_t defaults;
    sigemptyset(&defaults);
    for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGCHLD, SIGUSR1, SIGUSR2}) {
      sigaddset(&defaults, sig);
    }
    ok = ok && posix_spawnattr_setsigdefault(&setup.attr, &defaults) == 0;
    if (!ok) {
      return finish(Failed("CommandError", "Could not prepare to start the program", false));
    }
    spawn_error = posix_spawn(&pid, argv_pointers[0], &setup.actions, &setup.attr,
                              argv_pointers.data(), env_pointers.data());
  }
  in_read.reset();
  out_write.reset();
  err_write.reset();
  if (spawn_error != 0) {
    return finish(Failed("CommandError",
                         "Could not start " + options_.argv.front() + ": " + ErrnoText(spawn_error),
                         false));
  }

  SigpipeGuard sigpipe_guard;
  SetNonBlocking(in_write.get());
  SetNonBlocking(out_read.get());
  SetNonBlocking(err_read.get());
  size_t written = 0;
  if (input.empty()) in_write.reset();
  std::string out;
  bool truncated = false;
  std::string err;
  const size_t err_keep = std::max<size_t>(options_.stderr_tail_bytes, 1);

  enum class Stop { kNone, kTimedOut, kCanceled, kPollFailed };
  Stop stop = Stop::kNone;
  bool exited = false;
  Clock::time_point drain_deadline{};
  int poll_error = 0;
  std::vector<char> buffer(size_t{64} * 1024);

  // Reads what is available on `fd` (closing it at end of file), a bounded number of chunks so
  // that a program writing without pause cannot keep the loop from seeing its deadline.
  auto drain = [&](Fd& fd, bool is_stdout) {
    for (int chunk = 0; chunk < 16; ++chunk) {
      const ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
      if (n > 0) {
        const auto bytes = static_cast<size_t>(n);
        if (is_stdout) {
          const size_t room = options_.max_stdout_bytes - out.size();
          out.append(buffer.data(), std::min(room, bytes));
          if (bytes > room) truncated = true;
        } else {
          err.append(buffer.data(), bytes);
          if (err.size() > 2 * err_keep) err.erase(0, err.size() - err_keep);
        }
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      fd.reset();  // end of file or error
      return;
    }
  };

  while (true) {
    const Clock::time_point now = Clock::now();
    if (!exited) {
      if (canceled()) {
        stop = Stop::kCanceled;
        break;
      }
      if (now >= deadline) {
        stop = Stop::kTimedOut;
        break;
      }
      siginfo_t info{};
      // WNOWAIT: the program stays a zombie, so its process group id cannot be reused before
      // the kill below.
      if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
          info.si_pid == pid) {
        exited = true;
        ::kill(-pid, SIGKILL);
        drain_deadline = now + kDrainAfterExit;
        in_write.reset();
      }
    }
    if (exited && ((!out_read.valid() && !err_read.valid()) || now >= drain_deadline)) break;

    std::array<pollfd, 3> fds{};
    std::array<Fd*, 3> owners{};
    nfds_t count = 0;
    if (in_write.valid()) {
      fds[count] = {in_write.get(), POLLOUT, 0};
      owners[count++] = &in_write;
    }
    if (out_read.valid()) {
      fds[count] = {out_read.get(), POLLIN, 0};
      owners[count++] = &out_read;
    }
    if (err_read.valid()) {
      fds[count] = {err_read.get(), POLLIN, 0};
      owners[count++] = &err_read;
    }
    const Clock::time_point until = exited ? drain_deadline : deadline;
    const auto left = std::chrono::duration_cast<milliseconds>(until - now) + milliseconds(1);
    const int wait_ms = static_cast<int>(std::clamp(left, milliseconds(1), kPollInterval).count());
    if (::poll(fds.data(), count, wait_ms) < 0 && errno != EINTR) {
      poll_error = errno;
      stop = Stop::kPollFailed;  // cannot watch the program any more: stop it
      break;
    }
    for (nfds_t i = 0; i < count; ++i) {
      if (fds[i].revents == 0) continue;
      if (owners[i] == &in_write) {
        const ssize_t n = ::write(in_write.get(), input.data() + written, input.size() - written);
        if (n > 0) {
          written += static_cast<size_t>(n);
          if (written == input.size()) in_write.reset();  // end of file for the program
        } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
          in_write.reset();  // EPIPE: the program does not read its input; that is its call
        }
      } else {
        drain(*owners[i], owners[i] == &out_read);
      }
    }
  }

  if (stop != Stop::kNone) {
    ::kill(-pid, SIGKILL);
    ::kill(pid, SIGKILL);  // in case it left its group
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (stop == Stop::kCanceled) return finish(Canceled());
  if (stop == Stop::kTimedOut) return finish(TimedOut(request.timeout));
  if (stop == Stop::kPollFailed) {
    return finish(
        Failed("CommandError", "Could not watch the program: " + ErrnoText(poll_error), true));
  }

  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    const json::object output{
        {"stdout", ToValidUtf8(out)},
        {"exit_code", 0},
        {"truncated", truncated},
    };
    return finish(Succeeded(json::serialize(output)));
  }
  std::string message;
  bool retryable = false;
  if (WIFEXITED(status)) {
    message = "Command exited with status " + std::to_string(WEXITSTATUS(status));
    retryable = WEXITSTATUS(status) == kRetryableExitCode;
  } else if (WIFSIGNALED(status)) {
    message = "Command was killed by signal " + std::to_string(WTERMSIG(status));
  } else {
    message = "Command ended abnormally";
  }
  const std::string tail = TailExcerpt(err, options_.stderr_tail_bytes);
  if (!tail.empty()) message += ": " + tail;
  return finish(Failed("CommandError", std::move(message), retryable));
}

}  // namespace backbeat::executors
