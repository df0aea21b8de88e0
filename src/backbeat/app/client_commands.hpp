#pragma once

#include <iosfwd>
#include <memory>

namespace CLI {
class App;
}  // namespace CLI

namespace backbeat::app {

// Exit statuses of `backbeat tasks ...` (also listed in `backbeat tasks --help`).
inline constexpr int kClientExitOk = 0;
inline constexpr int kClientExitApiError = 1;     // the server answered an error; its message
inline constexpr int kClientExitUsage = 2;        // bad options, no API key, bad --url
inline constexpr int kClientExitUnreachable = 3;  // no answer, or not the API's JSON

// `backbeat tasks list|create|update|delete|runs|status|trigger|cancel`: the command-line
// client of a running server's API (API.md section 4), with the Recoup CLI's command and option
// names. The constructor registers `tasks` and its subcommands on `app`; after app.parse(),
// parsed() says whether one of them was chosen and Run() performs it: requests go to --url
// (BACKBEAT_URL) with --key (BACKBEAT_API_KEY), results go to `out` as a table or, with
// --json, as the server's JSON, and errors go to `err` (never containing the key).
//
// Not thread-safe; one instance lives for one command line. `app` must outlive it.
class TasksCommand {
 public:
  explicit TasksCommand(CLI::App& app);
  ~TasksCommand();
  TasksCommand(const TasksCommand&) = delete;
  TasksCommand& operator=(const TasksCommand&) = delete;

  bool parsed() const;
  // Returns the process exit status (the kClientExit* values).
  int Run(std::ostream& out, std::ostream& err);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace backbeat::app
