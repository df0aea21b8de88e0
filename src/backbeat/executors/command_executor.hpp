#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "backbeat/core/status.hpp"
#include "backbeat/executors/executor.hpp"

namespace backbeat::executors {

struct CommandOptions {
  // The program and its arguments, run as they are: no shell, no PATH search. argv[0] is the
  // absolute path of an executable file. Task text never appears here; it arrives on stdin.
  std::vector<std::string> argv;
  // Variables copied from backbeat's own environment (read once, at Create()). Nothing else of
  // it is passed on, so database passwords and API keys in backbeat's environment stay there.
  std::vector<std::string> pass_environment = {"PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR"};
  // Fixed variables for the program ("NAME", "value").
  std::vector<std::pair<std::string, std::string>> environment;
  // Where the program runs; empty: backbeat's working directory.
  std::string working_directory;
  // Put in the payload's `model` for tasks that name none (may be empty: null).
  std::string default_model;
  // Stdout kept as the output; the rest is read and dropped (output marked truncated).
  size_t max_stdout_bytes = size_t{1024} * 1024;
  // How much of the end of stderr a failure's message quotes.
  size_t stderr_tail_bytes = 2048;
};

// Runs a local program per attempt. The program gets the run payload (BuildRunPayload in
// payload.hpp) as JSON on stdin, then end of file, and the context in its environment:
// BACKBEAT_TASK_ID, BACKBEAT_RUN_ID, BACKBEAT_ACCOUNT_ID, BACKBEAT_ARTIST_ACCOUNT_ID,
// BACKBEAT_ATTEMPT, BACKBEAT_SLOT (the slot in the API's form, empty for trigger-now runs) and
// BACKBEAT_MODEL, on top of the passed and fixed variables. Exit status 0 completes the attempt
// with output {"stdout", "exit_code", "truncated"}; another status fails it with CommandError
// quoting the tail of stderr, retryable only for 75 (EX_TEMPFAIL, "try again later"); death by
// a signal fails it too (CommandError, not retryable).
//
// Each program runs in a new process group. When the attempt times out (TimeoutError) or is
// canceled, the whole group is killed with SIGKILL; when the program exits, whatever it left
// running in its group is killed too, so a run's processes never outlive it. The program is
// always reaped before Execute() returns: no zombie is left. Processes that leave the group
// (setsid) are beyond reach; stdout is then read for at most one more second after the exit.
//
// Requires that SIGCHLD is not ignored in the process (children must stay waitable). Blocks
// SIGPIPE on the calling thread while it writes stdin, so a program that does not read its input
// cannot kill backbeat.
//
// Thread-safety: immutable after Create(); Execute() may run on many threads at once.
class CommandExecutor : public Executor {
 public:
  // InvalidArgument when argv is empty, argv[0] is not an absolute path to an executable file,
  // the working directory is not a directory, a variable name is empty or contains '=', or the
  // stdout bound is zero.
  static core::Result<std::unique_ptr<CommandExecutor>> Create(CommandOptions options);

  std::string_view name() const override { return "command"; }
  ExecutionResult Execute(const ExecutionRequest& request) override;

 private:
  CommandExecutor(CommandOptions options, std::vector<std::string> base_environment)
      : options_(std::move(options)), base_environment_(std::move(base_environment)) {}

  const CommandOptions options_;
  // "NAME=value" entries: the passed variables, then the fixed ones.
  const std::vector<std::string> base_environment_;
};

}  // namespace backbeat::executors
