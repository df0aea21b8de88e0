// The scheduler through the real binary and real time: every-second schedules (accepted with
// --allow-seconds) fire, their runs complete with the dry-run executor and show in
// GET /api/tasks/runs and in recent_runs; the run extension endpoints (trigger, cancel, replay)
// and /metrics answer as API.md says.

#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string>
#include <thread>

#include "tests/e2e/e2e_test.hpp"

namespace backbeat::testing {
namespace {

namespace json = boost::json;
using std::chrono::milliseconds;

class SchedulerE2eTest : public E2eTest {
 protected:
  std::vector<std::string> ServerArgs() const override {
    return {"--allow-seconds", "--lease-seconds", "3"};
  }

  // Runs of the task (list form), newest first.
  json::array RunsOf(const std::string& task_id, std::string_view extra = "") {
    ApiResponse r = Api("GET", "/api/tasks/runs?limit=100&task_id=" + task_id + std::string(extra));
    EXPECT_EQ(r.status, 200) << r.http.body;
    if (r.status != 200) return {};
    return r.json.at("runs").as_array();
  }

  // Polls (bounded) until `done` holds for the task's runs.
  json::array WaitForRuns(const std::string& task_id,
                          const std::function<bool(const json::array&)>& done,
                          milliseconds within = milliseconds(10000)) {
    const auto deadline = std::chrono::steady_clock::now() + within;
    json::array runs;
    while (std::chrono::steady_clock::now() < deadline) {
      runs = RunsOf(task_id);
      if (done(runs)) return runs;
      std::this_thread::sleep_for(milliseconds(100));
    }
    ADD_FAILURE() << "runs never reached the expected state: " << json::serialize(runs);
    return runs;
  }

  static size_t CountStatus(const json::array& runs, std::string_view status) {
    size_t n = 0;
    for (const auto& r : runs) n += r.at("status").as_string() == status;
    return n;
  }

  ApiResponse Post(std::string_view path, json::object body, const std::string& key = {}) {
    return Api("POST", path, json::serialize(body), key);
  }
};

TEST_F(SchedulerE2eTest, EverySecondTaskFiresAndItsRunsComplete) {
  json::object task = CreateTask({{"schedule", "* * * * * *"}, {"overlap", "allow"}});
  const std::string id(task.at("id").as_string());
  json::array runs =
      WaitForRuns(id, [](const json::array& r) { return CountStatus(r, "COMPLETED") >= 3; });
  std::set<std::string> keys;
  for (const auto& r : runs) {
    const json::object& run = r.as_object();
    // The idempotency key names the nominal slot, a whole second.
    const std::string key(run.at("idempotencyKey").as_string());
    EXPECT_TRUE(key.starts_with(id + ":")) << key;
    EXPECT_TRUE(key.ends_with(".000Z")) << key;
    EXPECT_TRUE(keys.insert(key).second) << "two runs for one slot: " << key;
  }
  // The detail form: attempts, the dry-run output and the payload.
  const std::string run_id(runs.back().at("id").as_string());
  ApiResponse detail = Api("GET", "/api/tasks/runs?runId=" + run_id);
  ASSERT_EQ(detail.status, 200) << detail.http.body;
  const json::object& d = detail.json.at("runs").at(0).as_object();
  EXPECT_EQ(d.at("status").as_string(), "COMPLETED");
  ASSERT_EQ(d.at("attempts").as_array().size(), 1u);
  EXPECT_EQ(d.at("attempts").at(0).at("status").as_string(), "COMPLETED");
  EXPECT_EQ(d.at("output").at("executor").as_string(), "dry-run");
  EXPECT_EQ(d.at("payload").at("externalId").as_string(), id);
  EXPECT_EQ(d.at("payload").at("upcoming").as_array().size(), 5u);
  // recent_runs on the task shows the newest runs.
  json::array tasks = ListTasks("id=" + id);
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_GE(tasks[0].at("recent_runs").as_array().size(), 3u);
}

TEST_F(SchedulerE2eTest, DisablingStopsFiringAndReEnablingResumes) {
  json::object task = CreateTask({{"schedule", "* * * * * *"}, {"overlap", "allow"}});
  const std::string id(task.at("id").as_string());
  WaitForRuns(id, [](const json::array& r) { return r.size() >= 1; });
  ApiResponse off =
      Api("PATCH", "/api/tasks", json::serialize(json::object{{"id", id}, {"enabled", false}}));
  ASSERT_EQ(off.status, 200) << off.http.body;
  std::this_thread::sleep_for(milliseconds(300));  // a slot being decided may still land
  const size_t before = RunsOf(id).size();
  std::this_thread::sleep_for(milliseconds(2500));
  EXPECT_EQ(RunsOf(id).size(), before);
  ApiResponse on =
      Api("PATCH", "/api/tasks", json::serialize(json::object{{"id", id}, {"enabled", true}}));
  ASSERT_EQ(on.status, 200) << on.http.body;
  WaitForRuns(id, [&](const json::array& r) { return r.size() >= before + 2; });
}

TEST_F(SchedulerE2eTest, TriggerIsIdempotentAndScoped) {
  json::object task = CreateTask({{"schedule", "0 0 1 1 *"}});
  const std::string id(task.at("id").as_string());
  ApiResponse first = Post("/api/tasks/trigger", {{"id", id}, {"idempotency_key", "deploy-42"}});
  ASSERT_EQ(first.status, 200) << first.http.body;
  const json::object& run = first.json.at("runs").at(0).as_object();
  EXPECT_EQ(run.at("idempotencyKey").as_string(), "deploy-42");
  ApiResponse again = Post("/api/tasks/trigger", {{"id", id}, {"idempotency_key", "deploy-42"}});
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(again.json.at("runs").at(0).at("id"), run.at("id"));
  WaitForRuns(id, [](const json::array& r) { return CountStatus(r, "COMPLETED") == 1; });

  // Another account may not trigger it.
  auto other = server_->CreateAccount("other@label.example");
  ASSERT_TRUE(other.ok());
  ApiResponse foreign = Post("/api/tasks/trigger", {{"id", id}}, other->key);
  EXPECT_EQ(foreign.status, 403);
  EXPECT_EQ(foreign.json, ErrorJson("Access denied to this task"));
  ApiResponse missing =
      Post("/api/tasks/trigger", {{"id", "123e4567-e89b-42d3-a456-426614174999"}});
  EXPECT_EQ(missing.status, 404);
  ApiResponse bad = Post("/api/tasks/trigger", {{"id", "nope"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.json, ErrorJson("id must be a valid UUID", {"id"}));
}

TEST_F(SchedulerE2eTest, CancelAndReplayAnswerTheRunAndRefuseWhatTheyMust) {
  json::object task = CreateTask({{"schedule", "0 0 1 1 *"}, {"overlap", "allow"}});
  const std::string id(task.at("id").as_string());
  ApiResponse t = Post("/api/tasks/trigger", {{"id", id}});
  ASSERT_EQ(t.status, 200) << t.http.body;
  const std::string run_id(t.json.at("runs").at(0).at("id").as_string());
  WaitForRuns(id, [](const json::array& r) { return CountStatus(r, "COMPLETED") == 1; });
  ApiResponse finished = Post("/api/tasks/runs/cancel", {{"runId", run_id}});
  EXPECT_EQ(finished.status, 409);
  EXPECT_EQ(finished.json, ErrorJson("Run is already finished"));

  ApiResponse replay = Post("/api/tasks/runs/replay", {{"runId", run_id}});
  ASSERT_EQ(replay.status, 200) << replay.http.body;
  const json::object& copy = replay.json.at("runs").at(0).as_object();
  EXPECT_NE(copy.at("id"), json::value(run_id));
  WaitForRuns(id, [](const json::array& r) { return CountStatus(r, "COMPLETED") == 2; });

  auto other = server_->CreateAccount("stranger@label.example");
  ASSERT_TRUE(other.ok());
  for (std::string_view path : {"/api/tasks/runs/cancel", "/api/tasks/runs/replay"}) {
    ApiResponse foreign = Post(path, {{"runId", run_id}}, other->key);
    EXPECT_EQ(foreign.status, 404) << path;
    EXPECT_EQ(foreign.json, ErrorJson("Task run not found")) << path;
    ApiResponse unknown = Post(path, {{"runId", "run_doesnotexist000000000000"}});
    EXPECT_EQ(unknown.status, 404) << path;
    ApiResponse anonymous = Post(path, {{"runId", run_id}}, "bb_sk_wrong");
    EXPECT_EQ(anonymous.status, 401) << path;
    ApiResponse get = Api("GET", path);
    EXPECT_EQ(get.status, 405) << path;
  }
}

TEST_F(SchedulerE2eTest, MetricsAreServedWithoutAuthInPrometheusFormat) {
  json::object task = CreateTask({{"schedule", "* * * * * *"}});
  const std::string id(task.at("id").as_string());
  WaitForRuns(id, [](const json::array& r) { return CountStatus(r, "COMPLETED") >= 1; });
  auto r = server_->Call("GET", "/metrics");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  const std::string* type = r->Header("content-type");
  ASSERT_NE(type, nullptr);
  EXPECT_TRUE(type->starts_with("text/plain; version=0.0.4")) << *type;
  for (std::string_view name :
       {"# TYPE backbeat_slots_fired_total counter", "# TYPE backbeat_firing_lag_seconds histogram",
        "backbeat_runs_finished_total{status=\"COMPLETED\"}", "backbeat_executor_busy_workers",
        "# TYPE backbeat_http_requests_total counter",
        "# TYPE backbeat_http_request_duration_seconds histogram",
        "backbeat_scheduler_storage_seconds_count{op=\"fire\"}",
        // SQLite has no clock of its own: the node's clock is the database's.
        "backbeat_clock_skew_seconds 0\n"}) {
    EXPECT_NE(r->body.find(name), std::string::npos) << name << "\n" << r->body;
  }
  // No per-account data: no account, task or key ids.
  EXPECT_EQ(r->body.find(id), std::string::npos);
  EXPECT_EQ(r->body.find(server_->admin_key()), std::string::npos);
}

// A server whose attempts take long (the command executor running sleep), one worker, so a
// run can be caught executing and another waiting.
class SlowExecutorE2eTest : public SchedulerE2eTest {
 protected:
  std::vector<std::string> ServerArgs() const override {
    return {"--executor", "command",   "--executor-workers", "1", "--claim-batch",
            "1",          "--command", "/bin/sleep",         "30"};
  }
};

TEST_F(SlowExecutorE2eTest, CancelStopsAnExecutingRunAndAWaitingOne) {
  json::object task = CreateTask({{"schedule", "0 0 1 1 *"}, {"overlap", "allow"}});
  const std::string id(task.at("id").as_string());
  ApiResponse first = Post("/api/tasks/trigger", {{"id", id}});
  ASSERT_EQ(first.status, 200) << first.http.body;
  const std::string running(first.json.at("runs").at(0).at("id").as_string());
  WaitForRuns(id, [](const json::array& r) { return CountStatus(r, "EXECUTING") == 1; });
  ApiResponse second = Post("/api/tasks/trigger", {{"id", id}});
  ASSERT_EQ(second.status, 200) << second.http.body;
  const std::string waiting(second.json.at("runs").at(0).at("id").as_string());

  for (const std::string& run_id : {running, waiting}) {
    ApiResponse c = Post("/api/tasks/runs/cancel", {{"runId", run_id}});
    ASSERT_EQ(c.status, 200) << c.http.body;
    EXPECT_EQ(c.json.at("runs").at(0).at("status").as_string(), "CANCELED");
  }
  // The sleeping attempt is stopped (its process group killed) well before its 30 s, and its
  // own ending does not overwrite the cancel.
  json::array runs = WaitForRuns(
      id, [](const json::array& r) { return CountStatus(r, "CANCELED") == 2; }, milliseconds(5000));
  ApiResponse detail = Api("GET", "/api/tasks/runs?runId=" + running);
  const json::object& d = detail.json.at("runs").at(0).as_object();
  ASSERT_EQ(d.at("attempts").as_array().size(), 1u);
  EXPECT_EQ(d.at("attempts").at(0).at("status").as_string(), "CANCELED");
  std::this_thread::sleep_for(milliseconds(1500));
  EXPECT_EQ(CountStatus(RunsOf(id), "CANCELED"), 2u);
  EXPECT_EQ(Post("/api/tasks/runs/cancel", {{"runId", running}}).status, 409);
}

// A node that serves the API only: slots are not fired and runs are not executed here.
class NoSchedulerE2eTest : public SchedulerE2eTest {
 protected:
  std::vector<std::string> ServerArgs() const override {
    return {"--allow-seconds", "--no-scheduler"};
  }
};

TEST_F(NoSchedulerE2eTest, NothingFiresAndTriggeredRunsWait) {
  json::object task = CreateTask({{"schedule", "* * * * * *"}});
  const std::string id(task.at("id").as_string());
  ApiResponse t = Post("/api/tasks/trigger", {{"id", id}});
  ASSERT_EQ(t.status, 200) << t.http.body;
  std::this_thread::sleep_for(milliseconds(2500));
  json::array runs = RunsOf(id);
  ASSERT_EQ(runs.size(), 1u) << json::serialize(runs);  // only the triggered one
  EXPECT_EQ(runs[0].at("status").as_string(), "QUEUED");
}

}  // namespace
}  // namespace backbeat::testing
