// Several nodes on one PostgreSQL database, killed at random: three `backbeat serve` processes
// share a fresh schema and 1,000 every-second tasks (250 under sanitizers) in every mix of
// overlap, catch-up and attempts. For a bounded time each node lives a random while, then is
// ended by SIGKILL (or, now and then, a clean SIGTERM) and restarted after a random pause,
// independently of the others. Then the schedule is frozen (every task disabled in the
// database, next slots as they are) with all nodes up, the nodes finish what the crashes left,
// and all stop cleanly. The database must then show that
//   1. no (task, slot) has two runs, whichever node fired it;
//   2. every slot of every task, from its first slot up to its stored next slot, is accounted
//      for exactly once: by one run or by one recorded skip range;
//   3. no run is stuck: every run is final (COMPLETED, or CRASHED once its attempts are used
//      up) soon after the freeze, none holds a lease, and its attempts tell a consistent story;
//      a node stopped by SIGTERM exits 0 and leaves no run leased to itself;
//   4. no node logged at error level or wrote anything but JSON lines.
//
// PostgreSQL only: skips without BACKBEAT_TEST_POSTGRES. The seed of the random choices is
// printed; BACKBEAT_E2E_CRASH_SEED replays them (a busy machine's timing still varies).

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/e2e_test.hpp"
#include "tests/e2e/postgres_e2e.hpp"

namespace backbeat::testing {
namespace {

namespace json = boost::json;
using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

constexpr int kNodes = 3;
// A sanitized build (./dev test runs the suite under ASan+UBSan too) is several times slower on
// the same cores: a quarter of the load keeps its firing on time.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr int kTasks = 250;
#else
constexpr int kTasks = 1000;
#endif
constexpr int kCreators = 4;  // client threads creating the tasks
// The random part: 20 s of kills and restarts, keeping the whole test near 25 s on a quiet
// machine.
constexpr milliseconds kChaos{20000};
constexpr milliseconds kMinUptime{1000};
constexpr milliseconds kMaxUptime{5000};
constexpr milliseconds kMaxDowntime{2500};
constexpr double kGracefulShare = 0.2;  // of the ends of life, clean SIGTERM stops
// Generous: on a machine busy with the rest of the suite the backlog at the freeze takes
// 20 s and more to run (a few seconds on a quiet one); a stuck run never drains at all.
constexpr milliseconds kDrainBound{60000};
constexpr int kMaxReported = 20;

int64_t NowMs() {
  return std::chrono::duration_cast<milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

constexpr const char* kNonFinal = "('QUEUED', 'DELAYED', 'EXECUTING', 'REATTEMPTING')";

// Collects problems of one kind: the first few in full, then only a count.
class Problems {
 public:
  explicit Problems(std::string kind) : kind_(std::move(kind)) {}
  void Add(const std::string& what) {
    if (++count_ <= kMaxReported) text_ << "  " << what << "\n";
  }
  void Check() const {
    EXPECT_EQ(count_, 0) << count_ << " " << kind_ << ":\n"
                         << text_.str() << (count_ > kMaxReported ? "  ...\n" : "");
  }

 private:
  std::string kind_;
  int count_ = 0;
  std::ostringstream text_;
};

struct TaskRow {
  std::string overlap;
  std::string catchup;
  int64_t max_attempts = 0;
  int64_t created_at_ms = 0;
  std::optional<int64_t> next_slot_s;
};
struct AttemptRow {
  int64_t position = 0;
  std::string status;
  std::optional<std::string> error_name;
};
struct RunRow {
  std::string task_id;
  std::optional<int64_t> slot_s;
  std::string status;
  std::optional<std::string> lease_owner;
  int64_t max_attempts = 0;
  std::vector<AttemptRow> attempts;
};
struct SkipRow {
  int64_t first = 0;
  int64_t last = 0;
  int64_t count = 0;
  std::string reason;
};

// One node: a server process on the shared schema and what the test knows of its lives.
struct Node {
  std::unique_ptr<ServerFixture> server;
  SteadyClock::time_point next_event;
  int starts = 0;
  int clean_stops = 0;
};

class PostgresClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    BACKBEAT_REQUIRE_POSTGRES();
    schema_ = NewTestSchema();
    ASSERT_NE(schema_, nullptr);
    db_ = ConnectTo(*schema_);
    ASSERT_NE(db_, nullptr);
  }

  void Record(const std::string& key, int64_t value) {
    RecordProperty(key, std::to_string(value));
    std::cout << "[ cluster  ] " << key << " = " << value << "\n";
  }

  // The node id of the newest `scheduler started` line of this node: its running life.
  static std::string LastNodeId(const ServerFixture& server) {
    std::string node;
    for (const json::value& line : server.LogLines()) {
      if (line.is_object() && line.as_object().contains("node_id")) {
        node = std::string(line.at("node_id").as_string());
      }
    }
    return node;
  }

  // A clean stop hands every claimed run back (or finishes it): none may still be leased to
  // the stopped node, or it would wait for the lease to run out and lose an attempt.
  void ExpectNoLeaseOf(const std::string& node, const std::string& when) {
    core::Result<Rows> held = db_->Exec(
        "SELECT id, status FROM runs WHERE lease_owner = $1 LIMIT 20", Params().Text(node));
    ASSERT_TRUE(held.ok()) << held.status().message();
    std::string list;
    for (int i = 0; i < held->size(); ++i)
      list += "  " + held->Text(i, 0) + " " + held->Text(i, 1) + "\n";
    EXPECT_EQ(held->size(), 0) << "runs still leased to " << node << " " << when << ":\n" << list;
  }

  void CheckLog(const ServerFixture& server, const std::string& name, int starts, int clean_stops) {
    Problems bad_lines("log lines of " + name + " that are not JSON or are at error level");
    int listening = 0;
    int stopped = 0;
    for (const json::value& line : server.LogLines()) {
      if (!line.is_object()) {
        bad_lines.Add("not JSON: " + std::string(line.as_string()));
        continue;
      }
      const json::object& o = line.as_object();
      const json::value* level = o.if_contains("level");
      if (level != nullptr && *level == "error") bad_lines.Add(json::serialize(line));
      if (level != nullptr && *level == "warn") ++warnings_;
      const json::value* msg = o.if_contains("msg");
      if (msg != nullptr && *msg == "listening") ++listening;
      if (msg != nullptr && *msg == "stopped") ++stopped;
    }
    bad_lines.Check();
    EXPECT_EQ(listening, starts) << name;
    EXPECT_EQ(stopped, clean_stops) << name;
  }

  std::unique_ptr<PostgresTestSchema> schema_;
  std::unique_ptr<Connection> db_;  // the test's own session, on the schema
  int64_t warnings_ = 0;
};

TEST_F(PostgresClusterTest, NodesKilledAtRandomNeitherLoseNorDoubleASlotNorStrandARun) {
  const auto test_start = SteadyClock::now();
  unsigned seed = std::random_device{}();
  if (const char* s = std::getenv("BACKBEAT_E2E_CRASH_SEED"); s != nullptr && *s != '\0') {
    seed = static_cast<unsigned>(std::strtoul(s, nullptr, 10));
  }
  std::mt19937 rng(seed);
  std::cout << "[ cluster  ] seed = " << seed << " (replay: BACKBEAT_E2E_CRASH_SEED=" << seed
            << ")\n";
  RecordProperty("seed", std::to_string(seed));
  SCOPED_TRACE("seed " + std::to_string(seed) + " (set BACKBEAT_E2E_CRASH_SEED to replay)");

  // Short leases so that runs cut short by a kill are recovered within the test. Each attempt
  // runs /bin/sleep 0.05 (the command executor), so that kills land while runs execute: with
  // the dry-run executor, which finishes at once, a round of nine kills once caught none.
  const std::vector<std::string> args = {"--allow-seconds",
                                         "--lease-seconds",
                                         "2",
                                         "--per-account-limit",
                                         "256",
                                         "--executor-workers",
                                         "16",
                                         "--executor",
                                         "command",
                                         "--command",
                                         "/bin/sleep",
                                         "0.05"};
  std::array<Node, kNodes> nodes;
  nodes[0].server = std::make_unique<ServerFixture>(args, schema_->conninfo(), "");
  // One secret for all: a key is an HMAC under it, so every node must know it.
  const std::string secret = nodes[0].server->dir() + "/backbeat.secret";
  for (int i = 1; i < kNodes; ++i) {
    nodes[i].server = std::make_unique<ServerFixture>(args, schema_->conninfo(), secret);
  }
  for (Node& node : nodes) {
    core::Status started = node.server->Start();
    ASSERT_TRUE(started.ok()) << started.message();
    ++node.starts;
  }
  const std::string key = nodes[0].server->admin_key();
  ASSERT_FALSE(key.empty());

  // The tasks, through the API, spread over the nodes.
  static constexpr std::array<const char*, 3> kOverlaps = {"skip", "allow", "queue"};
  static constexpr std::array<const char*, 3> kCatchups = {"latest", "all", "none"};
  {
    std::atomic<int> failed{0};
    std::string first_failure;
    std::mutex failure_mu;
    std::vector<std::thread> creators;
    for (int c = 0; c < kCreators; ++c) {
      creators.emplace_back([&, c] {
        for (int i = c; i < kTasks; i += kCreators) {
          json::object extra = {{"schedule", "* * * * * *"},
                                {"overlap", kOverlaps[i % 3]},
                                {"catchup", kCatchups[(i / 3) % 3]},
                                {"max_attempts", 1 + (i / 9) % 3}};
          if ((i / 27) % 2 == 0) extra["catchup_window_seconds"] = 5;
          ApiResponse r = CallApi(*nodes[i % kNodes].server, "POST", "/api/tasks", key,
                                  CreateBody(std::move(extra), "cluster " + std::to_string(i)));
          if (r.status != 200 && failed++ == 0) {
            std::lock_guard lock(failure_mu);
            first_failure = std::to_string(r.status) + " " + r.http.body;
          }
        }
      });
    }
    for (std::thread& t : creators) t.join();
    ASSERT_EQ(failed.load(), 0) << "creating tasks; first failure: " << first_failure;
  }
  Record("task_creation_ms",
         std::chrono::duration_cast<milliseconds>(SteadyClock::now() - test_start).count());

  // Each node lives a random while, then ends; after a random pause it starts again.
  auto uptime = [&] {
    return milliseconds(
        std::uniform_int_distribution<int64_t>(kMinUptime.count(), kMaxUptime.count())(rng));
  };
  const auto chaos_start = SteadyClock::now();
  const auto chaos_end = chaos_start + kChaos;
  for (Node& node : nodes) node.next_event = chaos_start + uptime();
  int64_t kills = 0;
  int64_t sigterms = 0;
  int64_t max_clean_stop_ms = 0;
  int64_t most_down_at_once = 0;
  while (true) {
    Node* next = &nodes[0];
    for (Node& node : nodes) {
      if (node.next_event < next->next_event) next = &node;
    }
    if (next->next_event >= chaos_end) break;
    std::this_thread::sleep_until(next->next_event);
    ServerFixture& server = *next->server;
    if (server.running()) {
      if (std::bernoulli_distribution(kGracefulShare)(rng)) {
        const std::string node_id = LastNodeId(server);
        const auto t0 = SteadyClock::now();
        const int code = server.Stop();
        const int64_t took =
            std::chrono::duration_cast<milliseconds>(SteadyClock::now() - t0).count();
        max_clean_stop_ms = std::max(max_clean_stop_ms, took);
        EXPECT_EQ(code, 0) << "SIGTERM under load of " << node_id << " (" << took << " ms)";
        ExpectNoLeaseOf(node_id, "after its clean stop");
        ++next->clean_stops;
        ++sigterms;
      } else {
        server.Kill();
        ++kills;
      }
      const milliseconds down(std::uniform_int_distribution<int64_t>(0, kMaxDowntime.count())(rng));
      next->next_event = SteadyClock::now() + down;
      int64_t down_now = 0;
      for (const Node& node : nodes) down_now += node.server->running() ? 0 : 1;
      most_down_at_once = std::max(most_down_at_once, down_now);
    } else {
      core::Status started = server.Start();
      ASSERT_TRUE(started.ok()) << "restart: " << started.message();
      ++next->starts;
      next->next_event = SteadyClock::now() + uptime();
    }
  }
  for (Node& node : nodes) {
    if (!node.server->running()) {
      core::Status started = node.server->Start();
      ASSERT_TRUE(started.ok()) << "restart: " << started.message();
      ++node.starts;
    }
  }

  // Freeze the schedule with every node up: disabled tasks fire no more, and their next slots
  // stay as the last firing left them. The UPDATE waits for firing transactions holding task
  // rows, so what it returns is final; on a busy machine that wait can last seconds, during
  // which the nodes keep firing the rows it has not reached yet.
  const int64_t freeze_ms = NowMs();
  std::map<std::string, int64_t> frozen_next;
  {
    core::Result<Rows> frozen =
        db_->Exec("UPDATE tasks SET enabled = false RETURNING id, next_slot_s");
    ASSERT_TRUE(frozen.ok()) << frozen.status().message();
    for (int i = 0; i < frozen->size(); ++i) {
      frozen_next[frozen->Text(i, 0)] = frozen->OptInt(i, 1).value_or(-1);
    }
    ASSERT_EQ(frozen_next.size(), static_cast<size_t>(kTasks));
  }
  const int64_t frozen_ms = NowMs();

  // The nodes finish the backlog: runs cut short are recovered through their expired leases
  // and retried, or end CRASHED once out of attempts.
  int64_t drain_ms = 0;
  {
    const auto t0 = SteadyClock::now();
    std::optional<int64_t> open;
    while (true) {
      open = QueryInt(*db_, "SELECT count(*) FROM runs WHERE status IN " + std::string(kNonFinal));
      ASSERT_TRUE(open.has_value());
      if (*open == 0 || SteadyClock::now() - t0 > kDrainBound) break;
      std::this_thread::sleep_for(milliseconds(200));
    }
    drain_ms = std::chrono::duration_cast<milliseconds>(SteadyClock::now() - t0).count();
    if (*open != 0) {
      core::Result<Rows> stuck = db_->Exec(
          "SELECT id, task_id, slot_s, status, lease_owner, lease_expires_ms, available_at_ms "
          "FROM runs WHERE status IN " +
          std::string(kNonFinal) + " ORDER BY created_at_ms LIMIT 20");
      std::ostringstream text;
      if (stuck.ok()) {
        for (int i = 0; i < stuck->size(); ++i) {
          text << "  " << stuck->Text(i, 0) << " task " << stuck->Text(i, 1) << " slot "
               << stuck->Int(i, 2) << " " << stuck->Text(i, 3) << " owner "
               << stuck->OptText(i, 4).value_or("-") << " lease_until "
               << stuck->OptInt(i, 5).value_or(0) << " available " << stuck->Int(i, 6) << "\n";
        }
      }
      // What the nodes' sessions are doing, and what the nodes count, to tell a stuck claim
      // from a failing one.
      core::Result<Rows> sessions = schema_->admin().Exec(
          "SELECT pid, state, wait_event_type, wait_event, "
          "(extract(epoch FROM now() - xact_start) * 1000)::bigint, left(query, 120) "
          "FROM pg_stat_activity WHERE application_name = $1 AND state <> 'idle'",
          Params().Text(schema_->name()));
      if (sessions.ok()) {
        for (int i = 0; i < sessions->size(); ++i) {
          text << "  session " << sessions->Text(i, 0) << " "
               << sessions->OptText(i, 1).value_or("-") << " wait "
               << sessions->OptText(i, 2).value_or("-") << "/"
               << sessions->OptText(i, 3).value_or("-") << " xact_ms "
               << sessions->OptInt(i, 4).value_or(-1) << ": " << sessions->Text(i, 5) << "\n";
        }
      }
      for (const Node& node : nodes) {
        auto metrics = node.server->Call("GET", "/metrics");
        if (!metrics.ok()) continue;
        std::istringstream lines(metrics->body);
        std::string line;
        while (std::getline(lines, line)) {
          if (line.starts_with("backbeat_scheduler_storage_errors_total") ||
              line.starts_with("backbeat_attempts_started_total") ||
              line.starts_with("backbeat_executor_queue_depth")) {
            text << "  " << LastNodeId(*node.server) << " " << line << "\n";
          }
        }
      }
      ADD_FAILURE() << *open << " runs still not final " << kDrainBound.count()
                    << " ms after the freeze with all nodes up (now " << NowMs() << "):\n"
                    << text.str();
    }
  }
  for (Node& node : nodes) {
    const std::string node_id = LastNodeId(*node.server);
    EXPECT_EQ(node.server->Stop(), 0) << "the last SIGTERM of " << node_id;
    ++node.clean_stops;
    ExpectNoLeaseOf(node_id, "after the last clean stop");
  }

  // --- The database after every node has gone ---
  std::map<std::string, TaskRow> tasks;
  {
    core::Result<Rows> r = db_->Exec(
        "SELECT id, overlap, catchup, max_attempts, created_at_ms, next_slot_s FROM tasks");
    ASSERT_TRUE(r.ok()) << r.status().message();
    for (int i = 0; i < r->size(); ++i) {
      tasks[r->Text(i, 0)] =
          TaskRow{r->Text(i, 1), r->Text(i, 2), r->Int(i, 3), r->Int(i, 4), r->OptInt(i, 5)};
    }
  }
  ASSERT_EQ(tasks.size(), static_cast<size_t>(kTasks));
  std::map<std::string, RunRow> runs;
  std::map<std::string, std::vector<std::string>> runs_of_task;
  {
    core::Result<Rows> r =
        db_->Exec("SELECT id, task_id, slot_s, status, lease_owner, max_attempts FROM runs");
    ASSERT_TRUE(r.ok()) << r.status().message();
    for (int i = 0; i < r->size(); ++i) {
      RunRow run{r->Text(i, 1), r->OptInt(i, 2), r->Text(i, 3), r->OptText(i, 4), r->Int(i, 5), {}};
      runs_of_task[run.task_id].push_back(r->Text(i, 0));
      runs[r->Text(i, 0)] = std::move(run);
    }
    core::Result<Rows> a = db_->Exec(
        "SELECT run_id, position, status, error_name FROM run_attempts ORDER BY run_id, position");
    ASSERT_TRUE(a.ok()) << a.status().message();
    for (int i = 0; i < a->size(); ++i) {
      auto it = runs.find(a->Text(i, 0));
      ASSERT_NE(it, runs.end()) << "attempt of an unknown run " << a->Text(i, 0);
      it->second.attempts.push_back({a->Int(i, 1), a->Text(i, 2), a->OptText(i, 3)});
    }
  }
  std::map<std::string, std::vector<SkipRow>> skips;
  int64_t skip_rows = 0;
  std::map<std::string, int64_t> skipped_by_reason;
  {
    core::Result<Rows> r =
        db_->Exec("SELECT task_id, first_slot_s, last_slot_s, count, reason FROM slot_skips");
    ASSERT_TRUE(r.ok()) << r.status().message();
    skip_rows = r->size();
    for (int i = 0; i < r->size(); ++i) {
      skips[r->Text(i, 0)].push_back({r->Int(i, 1), r->Int(i, 2), r->Int(i, 3), r->Text(i, 4)});
      skipped_by_reason[r->Text(i, 4)] += r->Int(i, 3);
    }
  }

  // 1. One run per (task, slot) at most, whichever node made it.
  {
    Problems doubled("slots with two runs");
    core::Result<Rows> r = db_->Exec(
        "SELECT task_id, slot_s, count(*) FROM runs WHERE slot_s IS NOT NULL "
        "GROUP BY task_id, slot_s HAVING count(*) > 1");
    ASSERT_TRUE(r.ok()) << r.status().message();
    for (int i = 0; i < r->size(); ++i) {
      doubled.Add("task " + r->Text(i, 0) + " slot " + std::to_string(r->Int(i, 1)) + ": " +
                  std::to_string(r->Int(i, 2)) + " runs");
    }
    doubled.Check();
  }

  // 2. Every slot from the first one to the stored next slot: exactly one run or one skip.
  Problems uncovered("slots neither run nor skipped");
  Problems twice("slots covered twice (run and skip, or two skips)");
  Problems outside("runs or skips outside [first slot, next slot)");
  Problems bad_ranges("skip ranges whose count does not match");
  Problems bad_next("tasks whose stored next slot is missing, moved or far behind");
  int64_t slots_checked = 0;
  int64_t most_behind_s = 0;
  for (const auto& [id, task] : tasks) {
    const int64_t first = task.created_at_ms / 1000 + 1;  // the first whole second after it
    if (!task.next_slot_s) {
      bad_next.Add("task " + id + ": next_slot_s is NULL");
      continue;
    }
    const int64_t end = *task.next_slot_s;
    if (frozen_next[id] != end) {
      bad_next.Add("task " + id + ": next slot " + std::to_string(end) + " moved from " +
                   std::to_string(frozen_next[id]) + " while the task was disabled");
    }
    most_behind_s = std::max(most_behind_s, freeze_ms / 1000 - end);
    // Firing kept up across the kills: the next slot is near the moment of the freeze.
    if (end > frozen_ms / 1000 + 2 || end < freeze_ms / 1000 - 15) {
      bad_next.Add("task " + id + ": next slot " + std::to_string(end) + ", frozen between " +
                   std::to_string(freeze_ms / 1000) + " and " + std::to_string(frozen_ms / 1000));
    }
    std::map<int64_t, std::vector<std::string>> cover;
    for (const std::string& run_id : runs_of_task[id]) {
      const RunRow& run = runs.at(run_id);
      if (!run.slot_s) {
        outside.Add("run " + run_id + " of task " + id + " has no slot (nothing triggers here)");
        continue;
      }
      cover[*run.slot_s].push_back("run " + run_id + " (" + run.status + ")");
    }
    for (const SkipRow& skip : skips[id]) {
      if (skip.last < skip.first || skip.count != skip.last - skip.first + 1) {
        bad_ranges.Add("task " + id + " skip " + std::to_string(skip.first) + ".." +
                       std::to_string(skip.last) + " count " + std::to_string(skip.count));
        continue;
      }
      for (int64_t s = skip.first; s <= skip.last; ++s) {
        cover[s].push_back("skip " + std::to_string(skip.first) + ".." + std::to_string(skip.last) +
                           " (" + skip.reason + ")");
      }
    }
    const std::string where =
        "task " + id + " (overlap " + task.overlap + ", catchup " + task.catchup + ") slot ";
    for (int64_t s = first; s < end; ++s) {
      ++slots_checked;
      auto it = cover.find(s);
      if (it == cover.end()) {
        uncovered.Add(where + std::to_string(s));
      } else if (it->second.size() > 1) {
        std::string what;
        for (const std::string& c : it->second) what += " [" + c + "]";
        twice.Add(where + std::to_string(s) + ":" + what);
      }
    }
    for (const auto& [s, what] : cover) {
      if (s < first || s >= end) {
        outside.Add(where + std::to_string(s) + " [" + what.front() + "] outside [" +
                    std::to_string(first) + ", " + std::to_string(end) + ")");
      }
    }
  }
  uncovered.Check();
  twice.Check();
  outside.Check();
  bad_ranges.Check();
  bad_next.Check();

  // 3. Every run final, no lease left, attempts consistent with the status.
  Problems open_runs("runs not final after the drain");
  Problems leased("runs still holding a lease after every node stopped");
  Problems unexpected("runs in a status this test cannot produce (no cancels, no failures)");
  Problems inconsistent("runs whose attempts contradict their status");
  std::map<std::string, int64_t> by_status;
  int64_t lost_attempts = 0;
  int64_t interrupted_attempts = 0;
  int64_t attempts_total = 0;
  auto lost = [](const AttemptRow& a) {
    return a.status == "FAILED" &&
           (a.error_name == "CrashedError" || a.error_name == "InterruptedError");
  };
  for (const auto& [id, run] : runs) {
    ++by_status[run.status];
    attempts_total += static_cast<int64_t>(run.attempts.size());
    for (const AttemptRow& a : run.attempts) {
      lost_attempts += a.error_name == "CrashedError";
      interrupted_attempts += a.error_name == "InterruptedError";
    }
    const std::string who = "run " + id + " (task " + run.task_id + ", slot " +
                            std::to_string(run.slot_s.value_or(-1)) + ", " + run.status + ", " +
                            std::to_string(run.attempts.size()) + "/" +
                            std::to_string(run.max_attempts) + " attempts)";
    if (run.lease_owner) leased.Add(who + " owner " + *run.lease_owner);
    if (run.status != "COMPLETED" && run.status != "CRASHED") {
      const bool final = run.status == "FAILED" || run.status == "CANCELED" ||
                         run.status == "INTERRUPTED" || run.status == "SYSTEM_FAILURE";
      (final ? unexpected : open_runs).Add(who);
      continue;
    }
    if (run.attempts.empty()) {
      inconsistent.Add(who + ": final without any attempt");
      continue;
    }
    for (size_t i = 0; i < run.attempts.size(); ++i) {
      const AttemptRow& a = run.attempts[i];
      if (a.position != static_cast<int64_t>(i)) {
        inconsistent.Add(who + ": attempt at position " + std::to_string(a.position) + " where " +
                         std::to_string(i) + " was expected");
      }
      if (i + 1 < run.attempts.size() && !lost(a)) {
        inconsistent.Add(who + ": earlier attempt " + std::to_string(i) + " is " + a.status + "/" +
                         a.error_name.value_or("-") + ", not one lost with its node");
      }
    }
    if (static_cast<int64_t>(run.attempts.size()) > run.max_attempts) {
      inconsistent.Add(who + ": more attempts than allowed");
    }
    const AttemptRow& last = run.attempts.back();
    if (run.status == "COMPLETED" && last.status != "COMPLETED") {
      inconsistent.Add(who + ": last attempt is " + last.status);
    }
    if (run.status == "CRASHED" &&
        (!lost(last) || static_cast<int64_t>(run.attempts.size()) != run.max_attempts)) {
      inconsistent.Add(who + ": CRASHED, but the last attempt is " + last.status + "/" +
                       last.error_name.value_or("-") + " or attempts were left");
    }
  }
  open_runs.Check();
  leased.Check();
  unexpected.Check();
  inconsistent.Check();
  // A crash test whose kills never caught a claimed run would prove little about recovery.
  EXPECT_GT(lost_attempts, 0) << "no kill landed while a run was claimed";

  // 4. The logs.
  for (int i = 0; i < kNodes; ++i) {
    CheckLog(*nodes[i].server, "node " + std::to_string(i), nodes[i].starts, nodes[i].clean_stops);
  }

  Record("tasks", kTasks);
  Record("sigkills", kills);
  Record("sigterms_under_load", sigterms);
  Record("most_nodes_down_at_once", most_down_at_once);
  Record("max_clean_stop_ms", max_clean_stop_ms);
  Record("slots_checked", slots_checked);
  Record("runs", static_cast<int64_t>(runs.size()));
  for (const auto& [status, n] : by_status) Record("runs_" + status, n);
  Record("attempts", attempts_total);
  Record("attempts_lost_to_kills", lost_attempts);
  Record("attempts_interrupted_by_sigterm", interrupted_attempts);
  Record("skip_rows", skip_rows);
  for (const auto& [reason, n] : skipped_by_reason) Record("skipped_slots_" + reason, n);
  Record("most_behind_at_freeze_s", most_behind_s);
  Record("freeze_ms", frozen_ms - freeze_ms);
  Record("drain_ms", drain_ms);
  Record("log_warnings", warnings_);
  Record("wall_ms",
         std::chrono::duration_cast<milliseconds>(SteadyClock::now() - test_start).count());
}

}  // namespace
}  // namespace backbeat::testing
