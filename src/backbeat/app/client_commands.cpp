#include "backbeat/app/client_commands.hpp"

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "backbeat/app/api_client.hpp"
#include "backbeat/app/client_output.hpp"

namespace backbeat::app {
namespace {

namespace json = boost::json;

constexpr std::string_view kDefaultUrl = "http://127.0.0.1:8080";

struct Connection {
  std::string url;
  std::string key;
  bool json = false;
  double timeout_seconds = 30;
};

// The task fields create and update accept (API.md section 4); unset options are not sent.
struct TaskFields {
  std::optional<std::string> title, prompt, schedule, artist, model, account, timezone, enabled,
      overlap, catchup;
  std::optional<int64_t> catchup_window_seconds, max_attempts, timeout_seconds;
  bool clear_model = false;
};

struct ListOptions {
  std::optional<std::string> id, account, artist, enabled, task, status, cursor;
  std::optional<int64_t> limit;
  bool all = false;
};

// "true"/"1" or "false"/"0", as the API reads booleans in queries.
std::optional<bool> ParseBool(const std::string& text) {
  if (text == "true" || text == "1") return true;
  if (text == "false" || text == "0") return false;
  return std::nullopt;
}

using Query = std::vector<std::pair<std::string, std::string>>;

std::string Target(std::string_view path, const Query& query) {
  std::string target(path);
  char separator = '?';
  for (const auto& [name, value] : query) {
    target += separator;
    target += name + "=" + ApiClient::EncodeQueryValue(value);
    separator = '&';
  }
  return target;
}

// The option a request field comes from, for errors that do not name their field.
std::string_view OptionFor(std::string_view field) {
  static constexpr std::pair<std::string_view, std::string_view> kOptions[] = {
      {"artist_account_id", "--artist"},
      {"account_id", "--account"},
      {"catchup_window_seconds", "--catchup-window-seconds"},
      {"max_attempts", "--max-attempts"},
      {"timeout_seconds", "--timeout-seconds"},
      {"task_id", "--task"},
      {"idempotency_key", "--idempotency-key"},
      {"runId", "--run"},
  };
  for (const auto& [name, option] : kOptions) {
    if (name == field) return option;
  }
  return {};
}

// " (--max-attempts)" when the server's message ("Too big: expected number to be <=10") does
// not say which field its `missing_fields` names; empty otherwise, so the message stays as is.
std::string FieldHint(const json::object& error, const std::string& message) {
  const json::value* fields = error.if_contains("missing_fields");
  const json::array* list = fields == nullptr ? nullptr : fields->if_array();
  if (list == nullptr || list->empty() || !list->front().is_string()) return {};
  const std::string field(list->front().get_string().c_str());
  if (field.empty() || message.find(field) != std::string::npos) return {};
  std::string_view option = OptionFor(field);
  if (!option.empty()) return " (" + std::string(option) + ")";
  // Most options are spelled as their field: title -> --title.
  return " (--" + field + ")";
}

// The result of one API call: the JSON object on success, else the exit status and message.
struct Reply {
  int exit_code = kClientExitOk;
  std::string error;
  json::object body;
  bool ok() const { return exit_code == kClientExitOk; }
};

Reply Failed(int exit_code, std::string message) {
  Reply r;
  r.exit_code = exit_code;
  r.error = std::move(message);
  return r;
}

// One command's conversation with the server and its output streams.
class Session {
 public:
  Session(const Connection& conn, std::ostream& out, std::ostream& err)
      : conn_(conn),
        client_(conn.url, conn.key,
                std::chrono::milliseconds(static_cast<int64_t>(conn.timeout_seconds * 1000))),
        out_(out),
        err_(err) {}

  bool json() const { return conn_.json; }
  std::ostream& out() { return out_; }
  std::ostream& err() { return err_; }

  Reply Call(std::string_view method, const std::string& target,
             const json::object* body = nullptr) {
    const std::string text = body == nullptr ? std::string() : json::serialize(*body);
    auto sent = client_.Send(method, target, text);
    if (!sent.ok()) return Failed(kClientExitUnreachable, sent.status().message());
    boost::system::error_code ec;
    json::value value = json::parse(sent->body, ec);
    const bool is_object = !ec && value.is_object();
    const bool success = sent->status >= 200 && sent->status < 300;
    if (!is_object) {
      return Failed(kClientExitUnreachable,
                    "HTTP " + std::to_string(sent->status) + " from " + conn_.url +
                        " is not the API's JSON: " +
                        (sent->body.empty() ? std::string("(empty body)") : Cell(sent->body, 200)));
    }
    json::object& object = value.as_object();
    if (!success) {
      // API.md: every error carries `error` and `message` with the same text; read either.
      for (const char* key : {"error", "message"}) {
        const json::value* message = object.if_contains(key);
        if (message != nullptr && message->is_string() && !message->get_string().empty()) {
          std::string text(message->get_string().c_str());
          return Failed(kClientExitApiError, text + FieldHint(object, text));
        }
      }
      return Failed(kClientExitApiError, "HTTP " + std::to_string(sent->status));
    }
    Reply r;
    r.body = std::move(object);
    return r;
  }

  // Prints the failure and returns its exit status.
  int Fail(const Reply& reply) { return Fail(reply.exit_code, reply.error); }
  int Fail(int exit_code, const std::string& message) {
    err_ << RedactSecret(message, conn_.key) << "\n";
    return exit_code;
  }

  // The array member `name` of a successful reply (tasks, runs); fails when it is missing.
  const json::array* Items(const Reply& reply, std::string_view name) {
    const json::value* items = reply.body.if_contains(name);
    return items == nullptr ? nullptr : items->if_array();
  }

  int NotTheApi(std::string_view what) {
    return Fail(kClientExitUnreachable,
                "the reply from " + conn_.url + " has no " + std::string(what) + " array");
  }

  void PrintJson(const json::value& value) { out_ << json::serialize(value) << "\n"; }

 private:
  const Connection& conn_;
  ApiClient client_;
  std::ostream& out_;
  std::ostream& err_;
};

// GET `path` page by page (following next_cursor with `all`), collecting the `name` array.
int ListPages(Session& s, std::string_view path, Query query, const ListOptions& o,
              std::string_view name, json::array* items) {
  if (o.limit) query.emplace_back("limit", std::to_string(*o.limit));
  std::optional<std::string> cursor = o.cursor;
  std::set<std::string> seen;
  while (true) {
    Query page = query;
    if (cursor) page.emplace_back("cursor", *cursor);
    Reply reply = s.Call("GET", Target(path, page));
    if (!reply.ok()) return s.Fail(reply);
    const json::array* got = s.Items(reply, name);
    if (got == nullptr) return s.NotTheApi(name);
    items->insert(items->end(), got->begin(), got->end());
    const json::value* next = reply.body.if_contains("next_cursor");
    if (next == nullptr || !next->is_string()) return kClientExitOk;
    std::string next_cursor(next->get_string().c_str());
    if (!o.all) {
      s.err() << "more " << name << ": --cursor " << next_cursor << " (or --all)\n";
      return kClientExitOk;
    }
    // A cursor seen twice would loop forever; the server never does this, but stop if it did.
    if (!seen.insert(next_cursor).second) {
      return s.Fail(kClientExitUnreachable, "the server repeated a page cursor");
    }
    cursor = std::move(next_cursor);
  }
}

}  // namespace

struct TasksCommand::State {
  std::optional<std::string> url_flag;
  std::optional<std::string> key_flag;
  Connection conn;
  TaskFields fields;
  ListOptions list;
  std::string task_id;
  std::string run_id;
  std::optional<std::string> account;  // delete, trigger
  std::optional<std::string> idempotency_key;

  CLI::App* tasks = nullptr;
  CLI::App* list_cmd = nullptr;
  CLI::App* create_cmd = nullptr;
  CLI::App* update_cmd = nullptr;
  CLI::App* delete_cmd = nullptr;
  CLI::App* runs_cmd = nullptr;
  CLI::App* status_cmd = nullptr;
  CLI::App* trigger_cmd = nullptr;
  CLI::App* cancel_cmd = nullptr;

  int List(Session& s) const;
  int Create(Session& s) const;
  int Update(Session& s) const;
  int Delete(Session& s) const;
  int Runs(Session& s) const;
  int Status(Session& s) const;
  int Trigger(Session& s) const;
  int Cancel(Session& s) const;
  int ShowRun(Session& s, const std::string& id) const;
  int ShowTask(Session& s, const std::string& id) const;
  int PrintTask(Session& s, const Reply& reply) const;
  int PrintRun(Session& s, const Reply& reply) const;
  // The create/update body fields in API.md's order; false (with the message) on bad input.
  bool AddFields(json::object& body, std::ostream& err) const;
};

TasksCommand::TasksCommand(CLI::App& app) : state_(std::make_unique<State>()) {
  State& st = *state_;
  st.tasks = app.add_subcommand(
      "tasks", "Manage the tasks and runs of a running server through its HTTP API");
  st.tasks->require_subcommand(1);
  st.tasks->footer(
      "Every command talks to --url (http(s)://host:port, or host:port for http; default "
      "BACKBEAT_URL, else http://127.0.0.1:8080) with the "
      "API key from --key or BACKBEAT_API_KEY (required; the environment keeps it out of ps).\n"
      "Output is an aligned table; --json prints the server's JSON instead: the array of tasks "
      "or runs (list, runs), the task or run object (create, update, status, trigger, cancel, "
      "runs RUN_ID), {\"status\":\"success\"} (delete).\n"
      "Exit status: 0 success; 1 the server answered an error (its message on stderr) or the "
      "task does not exist; 2 usage error (bad options, no API key, bad --url); 3 no usable "
      "answer (cannot connect, timed out, or not the API's JSON).\n"
      "Examples:\n"
      "  export BACKBEAT_URL=http://127.0.0.1:8080 BACKBEAT_API_KEY=$(cat var/admin.key)\n"
      "  backbeat tasks create --title 'Weekly pulse' --prompt 'Summarize streams' \\\n"
      "    --schedule '0 9 * * 4' --timezone America/New_York --artist <artist id>\n"
      "  backbeat tasks list --enabled true --all\n"
      "  backbeat tasks update <task id> --enabled false\n"
      "  backbeat tasks trigger <task id>; backbeat tasks runs --task <task id>\n"
      "  backbeat tasks status <task id | run id>\n");

  auto add_connection = [&st](CLI::App* cmd) {
    // The environment is read in Run(), not through CLI11's envname: CLI11 applies an
    // envname to every sibling subcommand's option too, and these share one variable, so the
    // environment would override the flag.
    cmd->add_option(
        "--url", st.url_flag,
        "Server root URL (default: BACKBEAT_URL, else " + std::string(kDefaultUrl) + ")");
    cmd->add_option("--key", st.key_flag,
                    "API key (default: BACKBEAT_API_KEY, which ps cannot see)");
    cmd->add_flag("--json", st.conn.json, "Print the server's JSON instead of a table");
    cmd->add_option("--request-timeout", st.conn.timeout_seconds, "Seconds to wait for the server")
        ->capture_default_str()
        ->check(CLI::Range(0.1, 3600.0));
  };
  auto add_fields = [&st](CLI::App* cmd, bool create) {
    TaskFields& f = st.fields;
    CLI::Option* required[] = {
        cmd->add_option("--title", f.title, "Task title"),
        cmd->add_option("--prompt", f.prompt, "The prompt the task runs"),
        cmd->add_option("--schedule", f.schedule, "Cron expression, e.g. '0 9 * * 4'"),
        cmd->add_option("--artist", f.artist, "Artist account id (artist_account_id)"),
    };
    if (create) {
      for (CLI::Option* o : required) o->required();
    }
    CLI::Option* model =
        cmd->add_option("--model", f.model, "Model id for the executor (default: the server's)");
    if (!create) {
      cmd->add_flag("--clear-model", f.clear_model, "Use the server's default model again")
          ->excludes(model);
    }
    cmd->add_option("--account", f.account,
                    create ? "Owner account id (default: the key's account)"
                           : "Act for this account (scope override; never moves the task)");
    cmd->add_option("--timezone,--tz", f.timezone, "IANA zone the schedule is read in (UTC)");
    cmd->add_option("--enabled", f.enabled, "true or false");
    cmd->add_option("--overlap", f.overlap, "skip, allow or queue: a slot while a run is active");
    cmd->add_option("--catchup", f.catchup, "latest, all or none: slots missed while down");
    cmd->add_option("--catchup-window-seconds", f.catchup_window_seconds,
                    "How far back missed slots are caught up");
    cmd->add_option("--max-attempts", f.max_attempts, "Attempts per run (1-10)");
    cmd->add_option("--timeout-seconds", f.timeout_seconds, "Seconds one attempt may take");
  };
  auto add_paging = [&st](CLI::App* cmd) {
    cmd->add_option("--limit", st.list.limit, "Page size");
    cmd->add_option("--cursor", st.list.cursor, "Start at this page (a next_cursor)");
    cmd->add_flag("--all", st.list.all, "Follow next_cursor to the last page");
  };

  st.list_cmd = st.tasks->add_subcommand("list", "List tasks, newest first");
  st.list_cmd->add_option("--id", st.list.id, "Only this task");
  st.list_cmd->add_option("--account", st.list.account, "Tasks of this account");
  st.list_cmd->add_option("--artist", st.list.artist, "Only this artist's tasks");
  st.list_cmd->add_option("--enabled", st.list.enabled, "true or false");
  add_paging(st.list_cmd);
  add_connection(st.list_cmd);

  st.create_cmd = st.tasks->add_subcommand("create", "Create a task");
  add_fields(st.create_cmd, true);
  add_connection(st.create_cmd);

  st.update_cmd = st.tasks->add_subcommand("update", "Change a task (only the options given)");
  st.update_cmd->add_option("id,--id", st.task_id, "Task id")->required();
  add_fields(st.update_cmd, false);
  add_connection(st.update_cmd);

  st.delete_cmd = st.tasks->add_subcommand("delete", "Delete a task (its runs stay readable)");
  st.delete_cmd->add_option("id,--id", st.task_id, "Task id")->required();
  st.delete_cmd->add_option("--account", st.account, "Act for this account");
  add_connection(st.delete_cmd);

  st.runs_cmd = st.tasks->add_subcommand("runs", "List runs, newest first; or show one run");
  CLI::Option* run_arg =
      st.runs_cmd->add_option("run,--run", st.run_id, "Show this run (attempts, error, output)");
  CLI::Option* filters[] = {
      st.runs_cmd->add_option("--task", st.list.task, "Runs of this task"),
      st.runs_cmd->add_option("--account", st.list.account, "Runs of this account"),
      st.runs_cmd->add_option("--status", st.list.status, "QUEUED, EXECUTING, COMPLETED, ..."),
  };
  for (CLI::Option* f : filters) f->excludes(run_arg);
  add_paging(st.runs_cmd);
  add_connection(st.runs_cmd);

  st.status_cmd = st.tasks->add_subcommand(
      "status",
      "Show a task (settings, next fires, recent runs) or a run (status, attempts, output)");
  CLI::Option* status_id = st.status_cmd->add_option(
      "id,--id", st.task_id, "A task id, or a run id (run_...) to show that run");
  st.status_cmd->add_option("--run", st.run_id, "Show this run")->excludes(status_id);
  add_connection(st.status_cmd);

  st.trigger_cmd = st.tasks->add_subcommand("trigger", "Run a task now (honours its overlap)");
  st.trigger_cmd->add_option("id,--id", st.task_id, "Task id")->required();
  st.trigger_cmd->add_option("--idempotency-key", st.idempotency_key,
                             "The same key within 24 h returns the same run");
  st.trigger_cmd->add_option("--account", st.account, "Act for this account");
  add_connection(st.trigger_cmd);

  st.cancel_cmd = st.tasks->add_subcommand("cancel", "Cancel a queued, delayed or executing run");
  st.cancel_cmd->add_option("run,--run", st.run_id, "Run id (run_...)")->required();
  add_connection(st.cancel_cmd);
}

TasksCommand::~TasksCommand() = default;

bool TasksCommand::parsed() const { return state_->tasks->parsed(); }

namespace {

// The flag's value if given, else the environment variable's if set and not empty.
std::optional<std::string> FlagOrEnv(const std::optional<std::string>& flag, const char* name) {
  if (flag) return flag;
  const char* value = std::getenv(name);
  if (value != nullptr && *value != '\0') return std::string(value);
  return std::nullopt;
}

}  // namespace

int TasksCommand::Run(std::ostream& out, std::ostream& err) {
  State& st = *state_;
  st.conn.url = FlagOrEnv(st.url_flag, "BACKBEAT_URL").value_or(std::string(kDefaultUrl));
  // "localhost:8080" means http://localhost:8080, as curl reads it.
  if (st.conn.url.find("://") == std::string::npos) st.conn.url = "http://" + st.conn.url;
  st.conn.key = FlagOrEnv(st.key_flag, "BACKBEAT_API_KEY").value_or("");
  // Usage problems end here, before any request.
  if (core::Status s = ApiClient::ValidateBaseUrl(st.conn.url); !s.ok()) {
    err << s.message() << "\n";
    return kClientExitUsage;
  }
  if (st.conn.key.empty()) {
    err << "no API key: pass --key or set BACKBEAT_API_KEY\n";
    return kClientExitUsage;
  }
  if (st.status_cmd->parsed() && st.task_id.empty() && st.run_id.empty()) {
    err << "status needs a task id, a run id or --run\n";
    return kClientExitUsage;
  }
  Session session(st.conn, out, err);
  if (st.list_cmd->parsed()) return st.List(session);
  if (st.create_cmd->parsed()) return st.Create(session);
  if (st.update_cmd->parsed()) return st.Update(session);
  if (st.delete_cmd->parsed()) return st.Delete(session);
  if (st.runs_cmd->parsed()) return st.Runs(session);
  if (st.status_cmd->parsed()) return st.Status(session);
  if (st.trigger_cmd->parsed()) return st.Trigger(session);
  if (st.cancel_cmd->parsed()) return st.Cancel(session);
  return kClientExitUsage;
}

int TasksCommand::State::List(Session& s) const {
  Query query;
  if (list.id) query.emplace_back("id", *list.id);
  if (list.account) query.emplace_back("account_id", *list.account);
  if (list.artist) query.emplace_back("artist_account_id", *list.artist);
  if (list.enabled) {
    std::optional<bool> enabled = ParseBool(*list.enabled);
    if (!enabled) {
      s.err() << "--enabled must be true or false, not \"" << *list.enabled << "\"\n";
      return kClientExitUsage;
    }
    query.emplace_back("enabled", *enabled ? "true" : "false");
  }
  json::array tasks;
  if (int code = ListPages(s, "/api/tasks", std::move(query), list, "tasks", &tasks);
      code != kClientExitOk) {
    return code;
  }
  if (s.json()) {
    s.PrintJson(tasks);
  } else if (tasks.empty()) {
    s.out() << "No tasks.\n";
  } else {
    PrintTaskTable(tasks, s.out());
  }
  return kClientExitOk;
}

bool TasksCommand::State::AddFields(json::object& body, std::ostream& err) const {
  const TaskFields& f = fields;
  if (f.title) body["title"] = *f.title;
  if (f.prompt) body["prompt"] = *f.prompt;
  if (f.schedule) body["schedule"] = *f.schedule;
  if (f.artist) body["artist_account_id"] = *f.artist;
  if (f.account) body["account_id"] = *f.account;
  if (f.model) body["model"] = *f.model;
  if (f.clear_model) body["model"] = nullptr;
  if (f.timezone) body["timezone"] = *f.timezone;
  if (f.enabled) {
    std::optional<bool> enabled = ParseBool(*f.enabled);
    if (!enabled) {
      err << "--enabled must be true or false, not \"" << *f.enabled << "\"\n";
      return false;
    }
    body["enabled"] = *enabled;
  }
  if (f.overlap) body["overlap"] = *f.overlap;
  if (f.catchup) body["catchup"] = *f.catchup;
  if (f.catchup_window_seconds) body["catchup_window_seconds"] = *f.catchup_window_seconds;
  if (f.max_attempts) body["max_attempts"] = *f.max_attempts;
  if (f.timeout_seconds) body["timeout_seconds"] = *f.timeout_seconds;
  return true;
}

int TasksCommand::State::PrintTask(Session& s, const Reply& reply) const {
  const json::array* tasks = s.Items(reply, "tasks");
  if (tasks == nullptr || tasks->empty() || !tasks->front().is_object()) {
    return s.NotTheApi("tasks");
  }
  if (s.json()) {
    s.PrintJson(tasks->front());
  } else {
    PrintTaskDetail(tasks->front().as_object(), s.out());
  }
  return kClientExitOk;
}

int TasksCommand::State::PrintRun(Session& s, const Reply& reply) const {
  const json::array* runs = s.Items(reply, "runs");
  if (runs == nullptr || runs->empty() || !runs->front().is_object()) return s.NotTheApi("runs");
  if (s.json()) {
    s.PrintJson(runs->front());
  } else {
    PrintRunDetail(runs->front().as_object(), s.out());
  }
  return kClientExitOk;
}

int TasksCommand::State::Create(Session& s) const {
  json::object body;
  if (!AddFields(body, s.err())) return kClientExitUsage;
  Reply reply = s.Call("POST", "/api/tasks", &body);
  if (!reply.ok()) return s.Fail(reply);
  return PrintTask(s, reply);
}

int TasksCommand::State::Update(Session& s) const {
  json::object body;
  body["id"] = task_id;
  if (!AddFields(body, s.err())) return kClientExitUsage;
  // Only `id` (and perhaps the scope override) would change nothing: surely a mistake.
  if (body.size() == 1 || (body.size() == 2 && body.contains("account_id"))) {
    s.err() << "nothing to update: give at least one field option (see --help)\n";
    return kClientExitUsage;
  }
  Reply reply = s.Call("PATCH", "/api/tasks", &body);
  if (!reply.ok()) return s.Fail(reply);
  return PrintTask(s, reply);
}

int TasksCommand::State::Delete(Session& s) const {
  json::object body{{"id", task_id}};
  if (account) body["account_id"] = *account;
  Reply reply = s.Call("DELETE", "/api/tasks", &body);
  if (!reply.ok()) return s.Fail(reply);
  if (s.json()) {
    s.PrintJson(reply.body);
  } else {
    s.out() << "Deleted task " << task_id << "\n";
  }
  return kClientExitOk;
}

int TasksCommand::State::ShowRun(Session& s, const std::string& id) const {
  Reply reply = s.Call("GET", Target("/api/tasks/runs", {{"runId", id}}));
  if (!reply.ok()) return s.Fail(reply);
  return PrintRun(s, reply);
}

int TasksCommand::State::ShowTask(Session& s, const std::string& id) const {
  Reply reply = s.Call("GET", Target("/api/tasks", {{"id", id}}));
  if (!reply.ok()) return s.Fail(reply);
  const json::array* tasks = s.Items(reply, "tasks");
  if (tasks == nullptr) return s.NotTheApi("tasks");
  // The list answers an unknown (or foreign) id with no tasks rather than a 404.
  if (tasks->empty()) return s.Fail(kClientExitApiError, "Task not found");
  return PrintTask(s, reply);
}

int TasksCommand::State::Runs(Session& s) const {
  if (!run_id.empty()) return ShowRun(s, run_id);
  Query query;
  if (list.account) query.emplace_back("account_id", *list.account);
  if (list.task) query.emplace_back("task_id", *list.task);
  if (list.status) query.emplace_back("status", *list.status);
  json::array runs;
  if (int code = ListPages(s, "/api/tasks/runs", std::move(query), list, "runs", &runs);
      code != kClientExitOk) {
    return code;
  }
  if (s.json()) {
    s.PrintJson(runs);
  } else if (runs.empty()) {
    s.out() << "No runs.\n";
  } else {
    PrintRunTable(runs, s.out());
  }
  return kClientExitOk;
}

int TasksCommand::State::Status(Session& s) const {
  if (!run_id.empty()) return ShowRun(s, run_id);
  // Run ids have their own shape ("run_" + 24 characters); task ids are UUIDs.
  if (task_id.starts_with("run_")) return ShowRun(s, task_id);
  return ShowTask(s, task_id);
}

int TasksCommand::State::Trigger(Session& s) const {
  json::object body{{"id", task_id}};
  if (idempotency_key) body["idempotency_key"] = *idempotency_key;
  if (account) body["account_id"] = *account;
  Reply reply = s.Call("POST", "/api/tasks/trigger", &body);
  if (!reply.ok()) return s.Fail(reply);
  return PrintRun(s, reply);
}

int TasksCommand::State::Cancel(Session& s) const {
  json::object body{{"runId", run_id}};
  Reply reply = s.Call("POST", "/api/tasks/runs/cancel", &body);
  if (!reply.ok()) return s.Fail(reply);
  return PrintRun(s, reply);
}

}  // namespace backbeat::app
