// The controls of docs/security.md, through the real binary: runs never leak across accounts (by
// id, list, filter, cursor or command), hostile text is data everywhere (bound SQL parameters),
// and the server's secrets are files only their owner can read.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <set>
#include <string>
#include <vector>

#include "tests/e2e/e2e_test.hpp"

namespace backbeat::testing {
namespace {

namespace json = boost::json;

constexpr std::string_view kRunNotFound = "Task run not found";
constexpr std::string_view kDeniedTask = "Access denied to this task";
constexpr std::string_view kDeniedAccount = "Access denied to specified account_id";

// Runs stay QUEUED on an API-only node, so cancel has something to cancel.
class SecurityTest : public E2eTest {
 protected:
  std::vector<std::string> ServerArgs() const override { return {"--no-scheduler"}; }

  ApiResponse Post(std::string_view target, json::object body, const std::string& key = {}) {
    return Api("POST", target, json::serialize(body), key);
  }

  std::string Trigger(const std::string& task_id, const std::string& key) {
    ApiResponse r = Post("/api/tasks/trigger", {{"id", task_id}}, key);
    EXPECT_EQ(r.status, 200) << r.http.body;
    if (r.status != 200) return {};
    return std::string(r.json.at("runs").at(0).at("id").as_string());
  }

  // Every run id in a runs answer (empty when it is an error).
  static std::set<std::string> RunIds(const ApiResponse& r) {
    std::set<std::string> ids;
    if (r.status != 200) return ids;
    for (const json::value& run : r.json.at("runs").as_array()) {
      ids.emplace(run.at("id").as_string());
    }
    return ids;
  }

  void ExpectError(const ApiResponse& r, int status, std::string_view message,
                   const std::string& what) {
    EXPECT_EQ(r.status, status) << what << ": " << r.http.body;
    EXPECT_EQ(r.json, ErrorJson(message)) << what;
  }
};

TEST_F(SecurityTest, RunsOfOtherAccountsNeverLeak) {
  auto alice = server_->CreateAccount("alice@example.com");
  auto bob = server_->CreateAccount("bob@example.com");
  ASSERT_TRUE(alice.ok() && bob.ok());
  json::object alice_task = CreateTask({{"overlap", "allow"}}, alice->key, "alice's");
  json::object bob_task = CreateTask({{"overlap", "allow"}}, bob->key, "bob's");
  ASSERT_FALSE(alice_task.empty() || bob_task.empty());
  const std::string alice_task_id(alice_task.at("id").as_string());
  const std::string bob_task_id(bob_task.at("id").as_string());
  std::set<std::string> alice_runs;
  for (int i = 0; i < 3; ++i) alice_runs.insert(Trigger(alice_task_id, alice->key));
  const std::string bob_run = Trigger(bob_task_id, bob->key);
  ASSERT_EQ(alice_runs.size(), 3u);
  const std::string alice_run = *alice_runs.begin();

  // Lists: bob sees his run only, whatever filter he tries.
  EXPECT_EQ(RunIds(Api("GET", "/api/tasks/runs", {}, bob->key)), std::set<std::string>{bob_run});
  ApiResponse by_task = Api("GET", "/api/tasks/runs?task_id=" + alice_task_id, {}, bob->key);
  EXPECT_EQ(by_task.status, 200) << by_task.http.body;
  EXPECT_EQ(RunIds(by_task), std::set<std::string>{});
  ApiResponse by_status = Api("GET", "/api/tasks/runs?status=QUEUED&limit=100", {}, bob->key);
  EXPECT_EQ(RunIds(by_status), std::set<std::string>{bob_run});
  ExpectError(Api("GET", "/api/tasks/runs?account_id=" + alice->id, {}, bob->key), 403,
              kDeniedAccount, "bob filters by alice's account");
  // By id: not found, exactly as an id that does not exist.
  ExpectError(Api("GET", "/api/tasks/runs?runId=" + alice_run, {}, bob->key), 404, kRunNotFound,
              "bob reads alice's run");
  ExpectError(Api("GET", "/api/tasks/runs?runId=run_000000000000000000000000", {}, bob->key), 404,
              kRunNotFound, "bob reads a run that does not exist");

  // Cursors carry a position, not a grant: alice's cursor in bob's hands pages bob's runs.
  ApiResponse first_page = Api("GET", "/api/tasks/runs?limit=1", {}, alice->key);
  ASSERT_EQ(first_page.status, 200) << first_page.http.body;
  ASSERT_TRUE(first_page.json.at("next_cursor").is_string()) << first_page.http.body;
  const std::string run_cursor(first_page.json.at("next_cursor").as_string());
  ApiResponse replayed_cursor =
      Api("GET", "/api/tasks/runs?limit=100&cursor=" + run_cursor, {}, bob->key);
  for (const std::string& id : RunIds(replayed_cursor)) {
    EXPECT_FALSE(alice_runs.contains(id)) << "alice's run " << id << " through her cursor";
  }
  json::object second_alice_task = CreateTask({}, alice->key, "alice's second");
  ASSERT_FALSE(second_alice_task.empty());
  ApiResponse task_page = Api("GET", "/api/tasks?limit=1", {}, alice->key);
  ASSERT_EQ(task_page.status, 200) << task_page.http.body;
  ASSERT_TRUE(task_page.json.at("next_cursor").is_string()) << task_page.http.body;
  ApiResponse task_cursor = Api(
      "GET",
      "/api/tasks?limit=100&cursor=" + std::string(task_page.json.at("next_cursor").as_string()),
      {}, bob->key);
  if (task_cursor.status == 200) {
    for (const json::value& t : task_cursor.json.at("tasks").as_array()) {
      EXPECT_EQ(t.at("account_id"), json::value(bob->id)) << json::serialize(t);
    }
  }

  // Commands: bob can neither start, stop nor copy alice's runs, and learns nothing about them.
  ExpectError(Post("/api/tasks/trigger", {{"id", alice_task_id}}, bob->key), 403, kDeniedTask,
              "bob triggers alice's task");
  ExpectError(Post("/api/tasks/runs/cancel", {{"runId", alice_run}}, bob->key), 404, kRunNotFound,
              "bob cancels alice's run");
  ExpectError(Post("/api/tasks/runs/replay", {{"runId", alice_run}}, bob->key), 404, kRunNotFound,
              "bob replays alice's run");
  ApiResponse alice_view = Api("GET", "/api/tasks/runs?limit=100", {}, alice->key);
  EXPECT_EQ(RunIds(alice_view), alice_runs) << "a refused command changed alice's runs";
  for (const json::value& run : alice_view.json.at("runs").as_array()) {
    EXPECT_EQ(run.at("status"), "QUEUED") << json::serialize(run);
  }
  // recent_runs on bob's own task never include alice's.
  for (const json::value& t : ListTasks("", bob->key)) {
    for (const json::value& run : t.at("recent_runs").as_array()) {
      EXPECT_FALSE(alice_runs.contains(std::string(run.at("id").as_string())));
    }
  }
  // And alice's own commands still work.
  ApiResponse canceled = Post("/api/tasks/runs/cancel", {{"runId", alice_run}}, alice->key);
  EXPECT_EQ(canceled.status, 200) << canceled.http.body;
}

// Text from callers is bound as SQL parameters everywhere; strings that would break a query
// built by concatenation are stored and answered byte for byte, and nothing else changes.
TEST_F(SecurityTest, HostileStringsAreDataInEveryField) {
  const std::vector<std::string> hostile = {
      "'; DROP TABLE tasks; --",
      "\" OR \"\"=\"",
      "x' OR '1'='1",
      "%' OR 1=1 --",
      "Robert'); DELETE FROM runs WHERE ('1'='1",
      "\\'; SELECT * FROM api_keys; --",
      "$(reboot) `id` ; | && <script>alert(1)</script>",
      "\xF0\x9F\x8E\xB5 caf\xC3\xA9 \xE2\x80\xAE",
  };
  std::set<std::string> ids;
  for (const std::string& text : hostile) {
    json::object task = CreateTask({{"prompt", text}, {"model", text}}, {}, text);
    ASSERT_FALSE(task.empty()) << text;
    EXPECT_EQ(task.at("title"), json::value(text));
    EXPECT_EQ(task.at("prompt"), json::value(text));
    EXPECT_EQ(task.at("model"), json::value(text));
    const std::string id(task.at("id").as_string());
    ids.insert(id);
    // PATCH and the idempotency key of a trigger go through other statements.
    ApiResponse patched =
        Api("PATCH", "/api/tasks",
            json::serialize(json::object{{"id", id}, {"title", text + "!"}, {"overlap", "allow"}}));
    ASSERT_EQ(patched.status, 200) << patched.http.body;
    EXPECT_EQ(patched.json.at("tasks").at(0).at("title"), json::value(text + "!"));
    ApiResponse triggered = Post("/api/tasks/trigger", {{"id", id}, {"idempotency_key", text}});
    ASSERT_EQ(triggered.status, 200) << triggered.http.body;
    ApiResponse again = Post("/api/tasks/trigger", {{"id", id}, {"idempotency_key", text}});
    ASSERT_EQ(again.status, 200) << again.http.body;
    EXPECT_EQ(again.json.at("runs").at(0).at("id"), triggered.json.at("runs").at(0).at("id"))
        << "the idempotency key did not match itself";
    // Query values: refused by validation, or matching nothing; never an error of the database.
    for (const std::string param : {"id", "artist_account_id", "account_id", "cursor"}) {
      ApiResponse r = Api("GET", "/api/tasks?" + param + "=" + UrlEncode(text));
      EXPECT_EQ(r.status, 400) << param << "=" << text << ": " << r.http.body;
    }
    ApiResponse by_run = Api("GET", "/api/tasks/runs?runId=" + UrlEncode(text));
    EXPECT_EQ(by_run.status, 404) << by_run.http.body;
    ApiResponse by_status = Api("GET", "/api/tasks/runs?status=" + UrlEncode(text));
    EXPECT_EQ(by_status.status, 400) << by_status.http.body;
  }
  // Every task is still there, with its text, and nothing else was touched.
  ApiResponse all = Api("GET", "/api/tasks?limit=100");
  ASSERT_EQ(all.status, 200) << all.http.body;
  std::set<std::string> listed;
  for (const json::value& t : all.json.at("tasks").as_array())
    listed.emplace(t.at("id").as_string());
  EXPECT_EQ(listed, ids);
  ApiResponse runs = Api("GET", "/api/tasks/runs?limit=100");
  ASSERT_EQ(runs.status, 200) << runs.http.body;
  EXPECT_EQ(runs.json.at("runs").as_array().size(), hostile.size());
  EXPECT_EQ(Api("GET", "/api/tasks").status, 200) << "the admin key stopped working";
}

unsigned ModeOf(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 07777;  // no such file: matches no expectation
  EXPECT_EQ(st.st_uid, ::geteuid()) << path;
  return st.st_mode & 0777;
}

// The secret keys every API key hash; the admin key is a credential; the database holds prompts,
// outputs and emails. None of them is for other local users, whatever the umask.
TEST_F(SecurityTest, SecretsAndTheDatabaseAreReadableByTheirOwnerOnly) {
  for (const char* name :
       {"backbeat.secret", "admin.key", "backbeat.db", "backbeat.db-wal", "backbeat.db-shm"}) {
    EXPECT_EQ(ModeOf(server_->dir() + "/" + name), 0600u) << name;
  }
  // A state directory the server has to create is its own too.
  const std::string state = server_->dir() + "/fresh/state";
  ServerFixture fresh({"--no-scheduler"}, "sqlite:" + state + "/backbeat.db", "");
  ASSERT_TRUE(fresh.Start().ok()) << fresh.ReadLog();
  EXPECT_EQ(ModeOf(state), 0700u);
  for (const char* name : {"backbeat.db", "backbeat.db-wal", "backbeat.db-shm"}) {
    EXPECT_EQ(ModeOf(state + "/" + name), 0600u) << name;
  }
}

}  // namespace
}  // namespace backbeat::testing
