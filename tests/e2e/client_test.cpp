// `backbeat tasks ...`, the command-line client, run as a user would run it (a subprocess of the
// real binary) against the real `backbeat serve` over real HTTP. What the client did is checked
// through the API itself, not through the client's own output alone.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "tests/e2e/e2e_test.hpp"
#include "tests/e2e/subprocess.hpp"

namespace backbeat::testing {
namespace {

namespace json = boost::json;

// A loopback port nothing listens on: bound, read back, released.
uint16_t ClosedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0) close(fd);
    return 0;
  }
  close(fd);
  return ntohs(addr.sin_port);
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The API's time without milliseconds, as the table shows it.
std::string Seconds(std::string_view iso) {
  std::string s(iso);
  if (s.size() == 24 && s[19] == '.') s.erase(19, 4);
  return s;
}

class ClientE2eTest : public E2eTest {
 protected:
  using Env = std::map<std::string, std::string>;

  // The environment a user would set: the server's URL and the admin key.
  Env DefaultEnv() const {
    return {{"BACKBEAT_URL", "http://127.0.0.1:" + std::to_string(server_->port())},
            {"BACKBEAT_API_KEY", admin_key_}};
  }

  // Runs `backbeat tasks <args...>` with exactly `env` for the client's variables (the test's
  // own BACKBEAT_* and proxy settings removed, so neither can change what the client does).
  ProcessResult RunClient(const std::vector<std::string>& args, const Env& env) const {
    std::vector<std::string> argv = {"/usr/bin/env"};
    for (const char* name : {"BACKBEAT_URL", "BACKBEAT_API_KEY", "http_proxy", "HTTP_PROXY",
                             "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"}) {
      argv.insert(argv.end(), {"-u", name});
    }
    for (const auto& [name, value] : env) argv.push_back(name + "=" + value);
    argv.insert(argv.end(), {BACKBEAT_BINARY, "tasks"});
    argv.insert(argv.end(), args.begin(), args.end());
    return RunProcess(argv);
  }
  ProcessResult Client(const std::vector<std::string>& args) const {
    return RunClient(args, DefaultEnv());
  }

  // Runs the client with --json and parses its standard output.
  json::value ClientJson(std::vector<std::string> args) {
    args.emplace_back("--json");
    ProcessResult r = Client(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    json::value v = ParseJson(r.out);
    EXPECT_FALSE(v.is_null()) << "not JSON: " << r.out;
    return v;
  }

  // The task as GET /api/tasks?id= shows it (null when it is not listed).
  json::value TaskFromApi(const std::string& id) {
    json::array tasks = ListTasks("id=" + id);
    if (tasks.empty()) return nullptr;
    return tasks.front();
  }
};

// Triggered runs stay QUEUED: nothing claims them.
class ClientNoSchedulerE2eTest : public ClientE2eTest {
 protected:
  std::vector<std::string> ServerArgs() const override { return {"--no-scheduler"}; }
};

// A yearly schedule, so that `upcoming` cannot move between two reads in one test.
constexpr std::string_view kYearly = "0 0 1 1 *";

TEST_F(ClientE2eTest, CreateUpdateDeleteRoundTripThroughTheApi) {
  json::value created = ClientJson({"create",
                                    "--title",
                                    "Weekly genre pulse",
                                    "--prompt",
                                    "Analyse the genre trends.",
                                    "--schedule",
                                    std::string(kYearly),
                                    "--artist",
                                    std::string(kArtist),
                                    "--timezone",
                                    "America/New_York",
                                    "--model",
                                    "m-1",
                                    "--overlap",
                                    "queue",
                                    "--catchup",
                                    "none",
                                    "--catchup-window-seconds",
                                    "600",
                                    "--max-attempts",
                                    "5",
                                    "--timeout-seconds",
                                    "120"});
  ASSERT_TRUE(created.is_object()) << created;
  const std::string id(created.at("id").as_string());
  // --json prints the task object exactly as the API shows it.
  EXPECT_EQ(created, TaskFromApi(id));
  const json::object& t = created.as_object();
  EXPECT_EQ(t.at("title"), "Weekly genre pulse");
  EXPECT_EQ(t.at("prompt"), "Analyse the genre trends.");
  EXPECT_EQ(t.at("schedule"), json::value(kYearly));
  EXPECT_EQ(t.at("artist_account_id"), json::value(kArtist));
  EXPECT_EQ(t.at("timezone"), "America/New_York");
  EXPECT_EQ(t.at("model"), "m-1");
  EXPECT_EQ(t.at("enabled"), true);
  EXPECT_EQ(t.at("overlap"), "queue");
  EXPECT_EQ(t.at("catchup"), "none");
  EXPECT_EQ(t.at("catchup_window_seconds"), 600);
  EXPECT_EQ(t.at("max_attempts"), 5);
  EXPECT_EQ(t.at("timeout_seconds"), 120);

  // Update sends only the options given: the rest stays as it was.
  ProcessResult updated = Client({"update", id, "--title", "Renamed", "--enabled", "false"});
  ASSERT_EQ(updated.exit_code, 0) << updated.err;
  EXPECT_NE(updated.out.find("Renamed"), std::string::npos) << updated.out;
  json::value after = TaskFromApi(id);
  ASSERT_TRUE(after.is_object());
  EXPECT_EQ(after.at("title"), "Renamed");
  EXPECT_EQ(after.at("enabled"), false);
  EXPECT_EQ(after.at("upcoming"), json::array());
  for (const char* unchanged :
       {"prompt", "schedule", "timezone", "model", "overlap", "catchup", "max_attempts"}) {
    EXPECT_EQ(after.at(unchanged), created.at(unchanged)) << unchanged;
  }

  // --id (the Recoup CLI's spelling) works as well as the argument; --clear-model sends null.
  ProcessResult cleared = Client({"update", "--id", id, "--clear-model"});
  ASSERT_EQ(cleared.exit_code, 0) << cleared.err;
  EXPECT_EQ(TaskFromApi(id).at("model"), nullptr);

  ProcessResult deleted = Client({"delete", id});
  ASSERT_EQ(deleted.exit_code, 0) << deleted.err;
  EXPECT_EQ(deleted.out, "Deleted task " + id + "\n");
  EXPECT_TRUE(TaskFromApi(id).is_null());
  // Deleting again: the server's 404 message, exit 1.
  ProcessResult again = Client({"delete", id, "--json"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_EQ(again.out, "");
  ApiResponse api = Api("DELETE", "/api/tasks", json::serialize(json::object{{"id", id}}));
  EXPECT_EQ(again.err, std::string(api.json.at("error").as_string()) + "\n");
}

TEST_F(ClientE2eTest, ListJsonEqualsTheApiAndFollowsCursors) {
  for (const char* title : {"one", "two", "three"}) {
    CreateTask({{"schedule", kYearly}}, {}, title);
  }
  const json::array all = ListTasks();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(ClientJson({"list"}), all);

  // One page: the page's tasks, and where the next page starts on stderr.
  ProcessResult page = Client({"list", "--json", "--limit", "2"});
  ASSERT_EQ(page.exit_code, 0) << page.err;
  ApiResponse first = Api("GET", "/api/tasks?limit=2");
  EXPECT_EQ(ParseJson(page.out), first.json.at("tasks"));
  const std::string cursor(first.json.at("next_cursor").as_string());
  EXPECT_NE(page.err.find("--cursor " + cursor), std::string::npos) << page.err;
  EXPECT_EQ(ClientJson({"list", "--limit", "2", "--cursor", cursor}),
            Api("GET", "/api/tasks?limit=2&cursor=" + UrlEncode(cursor)).json.at("tasks"));

  // --all walks every page into one array.
  EXPECT_EQ(ClientJson({"list", "--limit", "1", "--all"}), all);

  // Filters reach the server.
  const std::string second_id(all.at(1).at("id").as_string());
  ASSERT_EQ(Client({"update", second_id, "--enabled", "false"}).exit_code, 0);
  json::value disabled = ClientJson({"list", "--enabled", "false"});
  ASSERT_TRUE(disabled.is_array());
  ASSERT_EQ(disabled.as_array().size(), 1u);
  EXPECT_EQ(disabled.at(0).at("id"), json::value(second_id));
  EXPECT_EQ(ClientJson({"list", "--enabled", "true"}).as_array().size(), 2u);
}

TEST_F(ClientE2eTest, TableShowsTheTaskInAlignedColumns) {
  json::object task = CreateTask({{"schedule", "0 9 * * 4"}, {"timezone", "America/New_York"}}, {},
                                 "Weekly genre pulse");
  const std::string id(task.at("id").as_string());
  ProcessResult r = Client({"list"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  std::vector<std::string> lines = Lines(r.out);
  ASSERT_EQ(lines.size(), 2u) << r.out;
  const std::string& header = lines[0];
  const std::string& row = lines[1];
  const std::string next_fire = Seconds(task.at("upcoming").at(0).as_string());
  // Each value starts in its header's column.
  const std::vector<std::pair<std::string, std::string>> columns = {{"ID", id},
                                                                    {"TITLE", "Weekly genre pulse"},
                                                                    {"SCHEDULE", "0 9 * * 4"},
                                                                    {"ZONE", "America/New_York"},
                                                                    {"ENABLED", "yes"},
                                                                    {"NEXT FIRE", next_fire},
                                                                    {"LAST RUN", "-"}};
  for (const auto& [name, value] : columns) {
    const size_t column = header.find(name);
    ASSERT_NE(column, std::string::npos) << name << " in " << header;
    EXPECT_EQ(row.compare(column, value.size(), value), 0)
        << name << ": expected " << value << " at " << column << " in\n"
        << header << "\n"
        << row;
  }

  // Control characters in a title cannot break a row in two.
  CreateTask({{"schedule", kYearly}}, {}, "Two\nlines\tand a tab");
  ProcessResult two = Client({"list"});
  ASSERT_EQ(two.exit_code, 0) << two.err;
  EXPECT_EQ(Lines(two.out).size(), 3u) << two.out;
  EXPECT_NE(two.out.find("Two lines and a tab"), std::string::npos) << two.out;

  // The detail view of the same task: its settings and its next fires.
  ProcessResult status = Client({"status", id});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("Weekly genre pulse"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("0 9 * * 4 (America/New_York)"), std::string::npos) << status.out;
  for (const json::value& at : task.at("upcoming").as_array()) {
    EXPECT_NE(status.out.find(Seconds(at.as_string())), std::string::npos) << at << " in\n"
                                                                           << status.out;
  }
}

TEST_F(ClientE2eTest, ValidationErrorShowsTheServersExactMessage) {
  const std::vector<std::string> args = {"create",     "--title",  "t",
                                         "--prompt",   "p",        "--schedule",
                                         "0 25 * * *", "--artist", std::string(kArtist)};
  ProcessResult r = Client(args);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  ApiResponse api = Api("POST", "/api/tasks", CreateBody({{"schedule", "0 25 * * *"}}));
  ASSERT_EQ(api.status, 400);
  EXPECT_EQ(r.err, std::string(api.json.at("error").as_string()) + "\n");
  EXPECT_EQ(r.err, "schedule is not a valid cron expression: hour value 25 out of range 0-23\n");
  EXPECT_TRUE(ListTasks().empty());

  // A message that does not name its field gets the option it came from (missing_fields).
  std::vector<std::string> too_many = args;
  too_many[6] = "0 9 * * *";
  too_many.insert(too_many.end(), {"--max-attempts", "11"});
  ProcessResult attempts = Client(too_many);
  EXPECT_EQ(attempts.exit_code, 1);
  ApiResponse api_attempts = Api("POST", "/api/tasks", CreateBody({{"max_attempts", 11}}));
  ASSERT_EQ(api_attempts.json, ErrorJson("Too big: expected number to be <=10", {"max_attempts"}));
  EXPECT_EQ(attempts.err, "Too big: expected number to be <=10 (--max-attempts)\n");
  EXPECT_TRUE(ListTasks().empty());

  // A bad id: the server's message too.
  ProcessResult bad_id = Client({"update", "not-a-uuid", "--title", "x"});
  EXPECT_EQ(bad_id.exit_code, 1);
  EXPECT_EQ(bad_id.err, "id must be a valid UUID\n");
}

TEST_F(ClientE2eTest, BadKeyFailsWithoutPrintingTheKey) {
  const std::string bad_key = "bb_sk_" + std::string(43, 'Q');
  Env env = DefaultEnv();
  env["BACKBEAT_API_KEY"] = bad_key;
  ProcessResult r = RunClient({"list"}, env);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "Unauthorized\n");

  // --key wins over the environment (the good key from the flag works).
  ProcessResult flag = RunClient({"list", "--key", admin_key_}, env);
  EXPECT_EQ(flag.exit_code, 0) << flag.err;
  EXPECT_EQ(flag.out, "No tasks.\n");
}

TEST_F(ClientE2eTest, MissingKeyIsAUsageErrorBeforeAnyRequest) {
  // The URL points where nothing listens: a request would end in exit 3, not 2.
  const uint16_t closed = ClosedPort();
  ASSERT_NE(closed, 0);
  ProcessResult r =
      RunClient({"list"}, {{"BACKBEAT_URL", "http://127.0.0.1:" + std::to_string(closed)}});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "no API key: pass --key or set BACKBEAT_API_KEY\n");
}

TEST_F(ClientE2eTest, UnreachableServerExitsThreeWithoutTheKey) {
  const uint16_t closed = ClosedPort();
  ASSERT_NE(closed, 0);
  Env env = DefaultEnv();
  env["BACKBEAT_URL"] = "http://127.0.0.1:" + std::to_string(closed);
  ProcessResult r = RunClient({"list"}, env);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("cannot reach http://127.0.0.1:" + std::to_string(closed)),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find(admin_key_), std::string::npos) << r.err;

  // --url wins over BACKBEAT_URL; a bare host:port means http://, a trailing slash is fine.
  ProcessResult flag =
      RunClient({"list", "--url", "127.0.0.1:" + std::to_string(server_->port()) + "/"}, env);
  EXPECT_EQ(flag.exit_code, 0) << flag.err;
}

TEST_F(ClientE2eTest, UsageErrorsExitTwo) {
  ProcessResult no_sub = Client({});
  EXPECT_EQ(no_sub.exit_code, 2);
  ProcessResult missing = Client({"create", "--title", "t"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("--prompt"), std::string::npos) << missing.err;
  ProcessResult nothing = Client({"update", "123e4567-e89b-42d3-a456-426614174000"});
  EXPECT_EQ(nothing.exit_code, 2);
  EXPECT_NE(nothing.err.find("nothing to update"), std::string::npos) << nothing.err;
  ProcessResult bad_bool = Client({"list", "--enabled", "maybe"});
  EXPECT_EQ(bad_bool.exit_code, 2);
  EXPECT_EQ(bad_bool.err, "--enabled must be true or false, not \"maybe\"\n");
  ProcessResult bad_url = RunClient({"list", "--url", "ftp://example.com"}, DefaultEnv());
  EXPECT_EQ(bad_url.exit_code, 2);
  EXPECT_NE(bad_url.err.find("only http:// and https://"), std::string::npos) << bad_url.err;

  ProcessResult help = Client({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (const char* word : {"list", "create", "update", "delete", "runs", "status", "trigger",
                           "cancel", "BACKBEAT_URL", "BACKBEAT_API_KEY", "Exit status"}) {
    EXPECT_NE(help.out.find(word), std::string::npos) << word << " in\n" << help.out;
  }
}

TEST_F(ClientE2eTest, StatusOfAnUnknownTaskExitsOne) {
  ProcessResult r = Client({"status", "123e4567-e89b-42d3-a456-426614174000"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "Task not found\n");
  ProcessResult run = Client({"status", "--run", "run_doesnotexist000000000000"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.err, "Task run not found\n");
}

TEST_F(ClientNoSchedulerE2eTest, TriggerThenRunsShowsTheRun) {
  json::object task = CreateTask({{"schedule", kYearly}}, {}, "pulse");
  const std::string id(task.at("id").as_string());

  json::value run = ClientJson({"trigger", id, "--idempotency-key", "deploy-42"});
  ASSERT_TRUE(run.is_object()) << run;
  const std::string run_id(run.at("id").as_string());
  EXPECT_EQ(run.at("status"), "QUEUED");
  EXPECT_EQ(run.at("idempotencyKey"), "deploy-42");
  // The same key returns the same run (the server's idempotency, reached through the client).
  EXPECT_EQ(ClientJson({"trigger", id, "--idempotency-key", "deploy-42"}).at("id"),
            json::value(run_id));
  // Without the key, overlap "skip" refuses a second active run: the server's 409, exit 1.
  ProcessResult refused = Client({"trigger", "--id", id});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_EQ(refused.err, "Task already has an active run\n");

  // runs --task: the API's list, unchanged.
  ApiResponse api = Api("GET", "/api/tasks/runs?task_id=" + id);
  ASSERT_EQ(api.status, 200);
  json::value listed = ClientJson({"runs", "--task", id});
  EXPECT_EQ(listed, api.json.at("runs"));
  ASSERT_EQ(listed.as_array().size(), 1u);
  EXPECT_EQ(listed.at(0).at("id"), json::value(run_id));

  // The table: the run's id, its task and its status in their columns.
  ProcessResult table = Client({"runs", "--task", id});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  std::vector<std::string> lines = Lines(table.out);
  ASSERT_EQ(lines.size(), 2u) << table.out;
  EXPECT_EQ(lines[1].find(run_id), lines[0].find("ID"));
  EXPECT_EQ(lines[1].find(id), lines[0].find("TASK"));
  EXPECT_EQ(lines[1].find("QUEUED"), lines[0].find("STATUS"));

  // One run: the detail form, as GET ?runId= answers it.
  ApiResponse detail = Api("GET", "/api/tasks/runs?runId=" + run_id);
  EXPECT_EQ(ClientJson({"runs", run_id}), detail.json.at("runs").at(0));
  ProcessResult status = Client({"status", run_id});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("Status       QUEUED"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("Task         " + id), std::string::npos) << status.out;

  // The task's status lists it among its recent runs.
  ProcessResult task_status = Client({"status", id});
  ASSERT_EQ(task_status.exit_code, 0) << task_status.err;
  EXPECT_NE(task_status.out.find(run_id), std::string::npos) << task_status.out;
}

TEST_F(ClientNoSchedulerE2eTest, CancelAQueuedRun) {
  json::object task = CreateTask({{"schedule", kYearly}});
  const std::string id(task.at("id").as_string());
  ApiResponse triggered =
      Api("POST", "/api/tasks/trigger", json::serialize(json::object{{"id", id}}));
  ASSERT_EQ(triggered.status, 200) << triggered.http.body;
  const std::string run_id(triggered.json.at("runs").at(0).at("id").as_string());
  ASSERT_EQ(triggered.json.at("runs").at(0).at("status"), "QUEUED");

  ProcessResult r = Client({"cancel", run_id});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("CANCELED"), std::string::npos) << r.out;
  ApiResponse after = Api("GET", "/api/tasks/runs?runId=" + run_id);
  EXPECT_EQ(after.json.at("runs").at(0).at("status"), "CANCELED");

  // A finished run cannot be canceled: the server's 409 message, exit 1.
  ProcessResult again = Client({"cancel", "--run", run_id});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_EQ(again.err, "Run is already finished\n");
}

}  // namespace
}  // namespace backbeat::testing
