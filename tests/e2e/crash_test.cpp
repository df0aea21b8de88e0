// Crash safety of the scheduler through the real binary: 48 every-second tasks (every mix of
// overlap, catch-up and attempts), the server's life ended at random moments, mostly by SIGKILL
// and three times by SIGTERM under full load, and restarted on the same database. Before the
// last life the test freezes the schedule (every task disabled in the file, next slots
// untouched), so that the last life only recovers and finishes what the crashes left. Then the
// database is the witness. It must show that
//   1. no (task, slot) has two runs;
//   2. every slot of every task, from its first slot up to its stored next slot, is accounted
//      for exactly once: by one run or by one recorded skip range (never both, never neither);
//   3. no run is stuck: every run is final (COMPLETED, or CRASHED once its attempts are used
//      up), holds no lease, and its attempts tell a consistent story; a clean SIGTERM exits 0
//      and leaves no run leased to the stopped node;
//   4. the server logged nothing at error level and nothing that is not a JSON line (an ASan
//      report, say).
//
// Moments, uptimes and downtimes come from a seeded generator; the seed is printed and
// BACKBEAT_E2E_CRASH_SEED replays the same choices (the timing of a busy machine still varies).
// BACKBEAT_E2E_KEEP keeps the database and the server log.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/e2e_test.hpp"

namespace backbeat::testing {
namespace {

namespace json = boost::json;
using std::chrono::milliseconds;

constexpr int kTasks = 48;
constexpr int kLives = 12;         // ends of life before the last one: SIGKILLs and a few SIGTERMs
constexpr int kGracefulStops = 3;  // of those, clean SIGTERM stops under full load
constexpr milliseconds kMinUptime{300};
constexpr milliseconds kMaxUptime{2500};
constexpr milliseconds kMaxDowntime{3000};
constexpr milliseconds kDrainBound{30000};
constexpr int kMaxReported = 20;  // problems printed per kind before the rest are only counted

int64_t NowMs() {
  return std::chrono::duration_cast<milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A connection to the server's database file: read-only while the server runs (WAL lets it
// read beside the writer), writable only while the server is down.
class Db {
 public:
  explicit Db(const std::string& path, bool writable = false) {
    if (sqlite3_open_v2(path.c_str(), &db_, writable ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY,
                        nullptr) != SQLITE_OK) {
      error_ = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
      return;
    }
    sqlite3_busy_timeout(db_, 5000);
  }
  ~Db() { sqlite3_close(db_); }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  // Runs `sql`, calling `row` for each result row; false (with error()) on failure.
  bool Query(const std::string& sql, const std::function<void(sqlite3_stmt*)>& row) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      error_ = sqlite3_errmsg(db_);
      return false;
    }
    int rc = SQLITE_OK;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) row(stmt);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) {
      error_ = sqlite3_errmsg(db_);
      return false;
    }
    return true;
  }

  bool Exec(const std::string& sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      error_ = message != nullptr ? message : "exec failed";
      sqlite3_free(message);
      return false;
    }
    return true;
  }

  std::optional<int64_t> Int(const std::string& sql) {
    std::optional<int64_t> out;
    if (!Query(sql, [&](sqlite3_stmt* s) { out = sqlite3_column_int64(s, 0); })) return {};
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
  std::string error_;
};

std::string Text(sqlite3_stmt* s, int column) {
  const unsigned char* t = sqlite3_column_text(s, column);
  return t != nullptr ? reinterpret_cast<const char*>(t) : "";
}
std::optional<std::string> OptText(sqlite3_stmt* s, int column) {
  if (sqlite3_column_type(s, column) == SQLITE_NULL) return std::nullopt;
  return Text(s, column);
}
std::optional<int64_t> OptInt(sqlite3_stmt* s, int column) {
  if (sqlite3_column_type(s, column) == SQLITE_NULL) return std::nullopt;
  return sqlite3_column_int64(s, column);
}

constexpr const char* kNonFinal = "('QUEUED', 'DELAYED', 'EXECUTING', 'REATTEMPTING')";

struct TaskRow {
  std::string id;
  std::string overlap;
  std::string catchup;
  int64_t window = 0;
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
  std::string id;
  std::string task_id;
  std::optional<int64_t> slot_s;
  std::string status;
  std::optional<std::string> lease_owner;
  int64_t max_attempts = 0;
  int64_t created_at_ms = 0;
  std::vector<AttemptRow> attempts;
};
struct SkipRow {
  std::string task_id;
  int64_t first = 0;
  int64_t last = 0;
  int64_t count = 0;
  std::string reason;
};

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

class CrashTest : public E2eTest {
 protected:
  std::vector<std::string> ServerArgs() const override {
    // Each attempt runs /bin/sleep 0.05 (the command executor), so that many kills land while
    // attempts execute. 16 workers: with the claim and the outcome each waiting for a commit,
    // an attempt holds its worker for well over its 50 ms, and 8 fall behind 48 runs a second
    // on a busy machine.
    return {"--allow-seconds", "--lease-seconds", "2",         "--executor-workers", "16",
            "--executor",      "command",         "--command", "/bin/sleep",         "0.05"};
  }

  void Record(const std::string& key, int64_t value) {
    RecordProperty(key, std::to_string(value));
    std::cout << "[ crash    ] " << key << " = " << value << "\n";
  }

  // The node id of the newest `scheduler started` line: the lease owner of the running life.
  std::string LastNodeId() const {
    std::string node;
    for (const json::value& line : server_->LogLines()) {
      if (line.is_object() && line.as_object().contains("node_id")) {
        node = std::string(line.at("node_id").as_string());
      }
    }
    return node;
  }

  // The log lines other than access lines from the life of `node` on.
  std::string LogTail(const std::string& node) const {
    std::string out;
    bool from = false;
    for (const json::value& line : server_->LogLines()) {
      if (line.is_object() && line.as_object().contains("node_id") &&
          line.at("node_id") == json::value(node)) {
        from = true;
      }
      if (!from) continue;
      if (line.is_object() && line.at("msg") == json::value("request")) continue;
      out += (line.is_string() ? std::string(line.as_string()) : json::serialize(line)) + "\n";
    }
    return out;
  }

  // A clean stop hands every claimed run back (or finishes it): none may still be EXECUTING
  // under the stopped node's lease, or it would wait for the lease to expire and lose an attempt.
  void ExpectNoLeaseOf(const std::string& node, const std::string& when) {
    Db db(server_->db_path());
    ASSERT_TRUE(db.ok()) << db.error();
    std::ostringstream held;
    int64_t n = 0;
    ASSERT_TRUE(db.Query(
        "SELECT r.id, r.task_id, r.slot_s, r.status, r.created_at_ms, "
        "r.lease_expires_ms, json_array_length(r.attempts_json) FROM runs r "
        "WHERE r.lease_owner = '" +
            node + "' OR (r.status = 'EXECUTING' AND r.lease_owner IS NULL)",
        [&](sqlite3_stmt* s) {
          if (++n <= kMaxReported) {
            held << "  " << Text(s, 0) << " task " << Text(s, 1) << " slot "
                 << sqlite3_column_int64(s, 2) << " " << Text(s, 3) << " created "
                 << sqlite3_column_int64(s, 4) << " lease_until " << OptInt(s, 5).value_or(0)
                 << " attempts " << sqlite3_column_int64(s, 6) << "\n";
          }
        }))
        << db.error();
    EXPECT_EQ(n, 0) << n << " runs still leased to " << node << " " << when << ":\n" << held.str();
  }
};

TEST_F(CrashTest, SigkillAtRandomMomentsNeitherLosesNorDoublesASlotNorStrandsARun) {
  const auto test_start = std::chrono::steady_clock::now();
  unsigned seed = std::random_device{}();
  if (const char* s = std::getenv("BACKBEAT_E2E_CRASH_SEED"); s != nullptr && *s != '\0') {
    seed = static_cast<unsigned>(std::strtoul(s, nullptr, 10));
  }
  std::mt19937 rng(seed);
  std::cout << "[ crash    ] seed = " << seed << " (replay: BACKBEAT_E2E_CRASH_SEED=" << seed
            << ")\n";
  RecordProperty("seed", std::to_string(seed));
  SCOPED_TRACE("seed " + std::to_string(seed) + " (set BACKBEAT_E2E_CRASH_SEED to replay)");

  // Every combination of overlap, catch-up, window and attempts appears. Downtimes stay far
  // below the planner's 60 s grace, so every slot is on time and the only skips are `overlap`;
  // the catch-up settings are here to show that they do not disturb that.
  static constexpr std::array<const char*, 3> kOverlaps = {"skip", "allow", "queue"};
  static constexpr std::array<const char*, 3> kCatchups = {"latest", "all", "none"};
  for (int i = 0; i < kTasks; ++i) {
    json::object extra = {{"schedule", "* * * * * *"},
                          {"overlap", kOverlaps[i % 3]},
                          {"catchup", kCatchups[(i / 3) % 3]},
                          {"max_attempts", 1 + (i / 9) % 3}};
    if ((i / 27) % 2 == 0) extra["catchup_window_seconds"] = 5;
    json::object task = CreateTask(std::move(extra), {}, "crash " + std::to_string(i));
    ASSERT_FALSE(task.empty()) << "creating task " << i;
  }

  // Lives end at random moments, most by SIGKILL, a few by a clean SIGTERM under full load.
  // Every SIGTERM and half the SIGKILLs are aimed just after a second boundary, where slots are
  // fired, claimed and started.
  std::vector<bool> graceful(kLives, false);
  for (int g = 0; g < kGracefulStops;) {
    const int at = std::uniform_int_distribution<int>(0, kLives - 2)(rng);
    if (!graceful[at]) {
      graceful[at] = true;
      ++g;
    }
  }
  int64_t downtime_ms = 0;
  int64_t aimed = 0;
  int64_t kills = 0;
  int64_t max_clean_stop_ms = 0;
  int64_t freeze_ms = 0;
  std::map<std::string, int64_t> frozen_next;  // task -> next_slot_s when firing was frozen
  for (int k = 0; k < kLives; ++k) {
    const milliseconds up(
        std::uniform_int_distribution<int64_t>(kMinUptime.count(), kMaxUptime.count())(rng));
    const bool aim = std::bernoulli_distribution(0.5)(rng);
    const milliseconds aim_offset(std::uniform_int_distribution<int64_t>(0, 150)(rng));
    const milliseconds down(
        std::bernoulli_distribution(0.5)(rng)
            ? std::uniform_int_distribution<int64_t>(0, kMaxDowntime.count())(rng)
            : 0);
    std::this_thread::sleep_for(up);
    if (aim || graceful[k]) {
      const auto boundary =
          std::chrono::ceil<std::chrono::seconds>(std::chrono::system_clock::now());
      std::this_thread::sleep_until(boundary + aim_offset);
      ++aimed;
    }
    if (graceful[k]) {
      const std::string node = LastNodeId();
      const auto t0 = std::chrono::steady_clock::now();
      const int code = server_->Stop();
      const int64_t took =
          std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - t0).count();
      max_clean_stop_ms = std::max(max_clean_stop_ms, took);
      EXPECT_EQ(code, 0) << "SIGTERM under load (life " << k + 1 << ", node " << node
                         << ") did not end with exit 0 within 15 s (" << took
                         << " ms; -1: still running, then killed); log since its start:\n"
                         << LogTail(node);
      ExpectNoLeaseOf(node, "after the clean stop of life " + std::to_string(k + 1));
    } else {
      server_->Kill();
      ++kills;
    }
    std::this_thread::sleep_for(down);
    downtime_ms += down.count();
    if (k == kLives - 1) {
      // Freeze the schedule before the last life: with every task disabled (behind the server's
      // back, so the stored next slots stay as they are) the last life fires nothing and only
      // recovers and finishes what the crashes left, however far behind a busy machine is.
      freeze_ms = NowMs();
      Db db(server_->db_path(), /*writable=*/true);
      ASSERT_TRUE(db.ok()) << db.error();
      ASSERT_TRUE(db.Query("SELECT id, next_slot_s FROM tasks", [&](sqlite3_stmt* s) {
        frozen_next[Text(s, 0)] = OptInt(s, 1).value_or(-1);
      })) << db.error();
      ASSERT_TRUE(db.Exec("UPDATE tasks SET enabled = 0")) << db.error();
    }
    core::Status started = server_->Start();
    ASSERT_TRUE(started.ok()) << "start of life " << k + 2 << ": " << started.message();
  }

  // The last life runs until every run is final: attempts cut short recovered through their
  // expired leases and retried, or CRASHED once out of attempts; the backlog run.
  int64_t drain_ms = 0;
  {
    Db db(server_->db_path());
    ASSERT_TRUE(db.ok()) << db.error();
    const auto t0 = std::chrono::steady_clock::now();
    std::optional<int64_t> open;
    while (true) {
      open = db.Int("SELECT count(*) FROM runs WHERE status IN " + std::string(kNonFinal));
      ASSERT_TRUE(open.has_value()) << db.error();
      if (*open == 0 || std::chrono::steady_clock::now() - t0 > kDrainBound) break;
      std::this_thread::sleep_for(milliseconds(200));
    }
    drain_ms =
        std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - t0).count();
    if (*open != 0) {
      std::ostringstream stuck;
      db.Query(
          "SELECT id, task_id, slot_s, status, lease_owner, lease_expires_ms, "
          "available_at_ms, created_at_ms FROM runs WHERE status IN " +
              std::string(kNonFinal) + " ORDER BY created_at_ms LIMIT 20",
          [&](sqlite3_stmt* s) {
            stuck << "  " << Text(s, 0) << " task " << Text(s, 1) << " slot "
                  << sqlite3_column_int64(s, 2) << " " << Text(s, 3) << " owner "
                  << OptText(s, 4).value_or("-") << " lease_until " << OptInt(s, 5).value_or(0)
                  << " available " << sqlite3_column_int64(s, 6) << " created "
                  << sqlite3_column_int64(s, 7) << "\n";
          });
      ADD_FAILURE() << *open << " runs still not final " << kDrainBound.count()
                    << " ms into the last life (now " << NowMs() << "):\n"
                    << stuck.str();
    }
  }
  {
    const std::string node = LastNodeId();
    EXPECT_EQ(server_->Stop(), 0) << "the last SIGTERM did not end with exit 0; log:\n"
                                  << LogTail(node);
    ExpectNoLeaseOf(node, "after the last clean stop");
  }

  // --- The database after the server has gone ---
  Db db(server_->db_path());
  ASSERT_TRUE(db.ok()) << db.error();
  std::map<std::string, TaskRow> tasks;
  ASSERT_TRUE(
      db.Query("SELECT id, overlap, catchup, catchup_window_seconds, max_attempts, "
               "created_at_ms, next_slot_s FROM tasks",
               [&](sqlite3_stmt* s) {
                 TaskRow t{Text(s, 0),
                           Text(s, 1),
                           Text(s, 2),
                           sqlite3_column_int64(s, 3),
                           sqlite3_column_int64(s, 4),
                           sqlite3_column_int64(s, 5),
                           OptInt(s, 6)};
                 tasks[t.id] = t;
               }))
      << db.error();
  ASSERT_EQ(tasks.size(), static_cast<size_t>(kTasks));

  std::map<std::string, RunRow> runs;
  ASSERT_TRUE(
      db.Query("SELECT id, task_id, slot_s, status, lease_owner, max_attempts, "
               "created_at_ms FROM runs",
               [&](sqlite3_stmt* s) {
                 RunRow r;
                 r.id = Text(s, 0);
                 r.task_id = Text(s, 1);
                 r.slot_s = OptInt(s, 2);
                 r.status = Text(s, 3);
                 r.lease_owner = OptText(s, 4);
                 r.max_attempts = sqlite3_column_int64(s, 5);
                 r.created_at_ms = sqlite3_column_int64(s, 6);
                 runs[r.id] = std::move(r);
               }))
      << db.error();
  // Attempts are a JSON array in the run's row, in order.
  ASSERT_TRUE(
      db.Query("SELECT r.id, a.key, json_extract(a.value, '$.status'), "
               "json_extract(a.value, '$.error.name') FROM runs r, json_each(r.attempts_json) a "
               "ORDER BY r.id, a.key",
               [&](sqlite3_stmt* s) {
                 RunRow& run = runs.at(Text(s, 0));
                 run.attempts.push_back({sqlite3_column_int64(s, 1), Text(s, 2), OptText(s, 3)});
               }))
      << db.error();
  std::vector<SkipRow> skips;
  ASSERT_TRUE(db.Query("SELECT task_id, first_slot_s, last_slot_s, count, reason FROM slot_skips",
                       [&](sqlite3_stmt* s) {
                         skips.push_back({Text(s, 0), sqlite3_column_int64(s, 1),
                                          sqlite3_column_int64(s, 2), sqlite3_column_int64(s, 3),
                                          Text(s, 4)});
                       }))
      << db.error();

  // 1. One run per (task, slot) at most: the unique index promises it; count anyway.
  {
    Problems doubled("slots with two runs");
    std::map<std::pair<std::string, int64_t>, std::vector<std::string>> by_slot;
    for (const auto& [id, run] : runs) {
      if (run.slot_s) by_slot[{run.task_id, *run.slot_s}].push_back(id);
    }
    for (const auto& [key, ids] : by_slot) {
      if (ids.size() > 1) {
        doubled.Add("task " + key.first + " slot " + std::to_string(key.second) + ": " +
                    std::to_string(ids.size()) + " runs");
      }
    }
    doubled.Check();
  }

  // 2. Every slot from the first one to the stored next slot: exactly one run or one skip.
  Problems uncovered("slots neither run nor skipped");
  Problems twice("slots covered twice (run and skip, or two skips)");
  Problems outside("runs or skips outside [first slot, next slot)");
  Problems bad_ranges("skip ranges whose count does not match");
  Problems bad_next("tasks whose stored next slot is missing, moved or far behind");
  std::map<std::string, int64_t> skipped_by_reason;
  std::map<std::string, int64_t> skip_rows_by_reason;
  int64_t slots_checked = 0;
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
    // The firing kept up: the next slot is near the moment firing stopped.
    if (end > freeze_ms / 1000 + 2 || end < freeze_ms / 1000 - 10) {
      bad_next.Add("task " + id + ": next slot " + std::to_string(end) + ", frozen at " +
                   std::to_string(freeze_ms / 1000));
    }
    // Why each slot is covered, for the report.
    std::map<int64_t, std::vector<std::string>> cover;
    for (const auto& [run_id, run] : runs) {
      if (run.task_id != id) continue;
      if (!run.slot_s) {
        outside.Add("run " + run_id + " of task " + id + " has no slot (nothing triggers here)");
        continue;
      }
      cover[*run.slot_s].push_back("run " + run_id + " (" + run.status + ")");
    }
    for (const SkipRow& skip : skips) {
      if (skip.task_id != id) continue;
      skipped_by_reason[skip.reason] += skip.count;
      ++skip_rows_by_reason[skip.reason];
      if (skip.last < skip.first || skip.count != skip.last - skip.first + 1) {
        bad_ranges.Add("task " + id + " skip " + std::to_string(skip.first) + ".." +
                       std::to_string(skip.last) + " count " + std::to_string(skip.count) + " (" +
                       skip.reason + ")");
      }
      for (int64_t s = skip.first; s <= skip.last; ++s) {
        cover[s].push_back("skip " + std::to_string(skip.first) + ".." + std::to_string(skip.last) +
                           " (" + skip.reason + ")");
      }
    }
    const std::string where = "task " + id + " (overlap " + task.overlap + ", catchup " +
                              task.catchup + ", window " + std::to_string(task.window) +
                              ", attempts " + std::to_string(task.max_attempts) + ") slot ";
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
  Problems open_runs("runs not final after the last life");
  Problems leased("runs still holding a lease after the clean stop");
  Problems unexpected("runs in a status this test cannot produce (no cancels, no failures)");
  Problems inconsistent("runs whose attempts contradict their status");
  std::map<std::string, int64_t> by_status;
  int64_t retried = 0;
  int64_t lost_attempts = 0;         // cut short by a kill, found through their expired lease
  int64_t interrupted_attempts = 0;  // stopped by a clean shutdown
  int64_t attempts_total = 0;
  auto lost = [](const AttemptRow& a) {
    return a.status == "FAILED" &&
           (a.error_name == "CrashedError" || a.error_name == "InterruptedError");
  };
  for (const auto& [id, run] : runs) {
    ++by_status[run.status];
    attempts_total += static_cast<int64_t>(run.attempts.size());
    if (run.attempts.size() > 1) ++retried;
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
    // Positions 0..n-1; every attempt but the last was lost with its node; the last one
    // matches the status.
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

  // A crash test whose kills never caught an attempt would prove little about recovery.
  EXPECT_GT(lost_attempts, 0) << "no kill landed while an attempt was executing";

  // 4. The log: JSON lines only, nothing at error level, one `listening` per start and one
  // `stopped` per clean stop.
  int64_t warnings = 0;
  {
    Problems bad_lines("log lines that are not JSON or are at error level");
    int64_t listening = 0;
    int64_t stopped = 0;
    for (const json::value& line : server_->LogLines()) {
      if (!line.is_object()) {
        bad_lines.Add("not JSON: " + std::string(line.as_string()));
        continue;
      }
      const json::object& o = line.as_object();
      const json::value* level = o.if_contains("level");
      if (level != nullptr && *level == "error") bad_lines.Add(json::serialize(line));
      if (level != nullptr && *level == "warn") ++warnings;
      const json::value* msg = o.if_contains("msg");
      if (msg != nullptr && *msg == "listening") ++listening;
      if (msg != nullptr && *msg == "stopped") ++stopped;
    }
    bad_lines.Check();
    EXPECT_EQ(listening, kLives + 1);
    EXPECT_EQ(stopped, kGracefulStops + 1);
  }

  // The figures, for the record.
  Record("tasks", kTasks);
  Record("sigkills", kills);
  Record("sigterms_under_load", kGracefulStops);
  Record("ends_aimed_after_a_second_boundary", aimed);
  Record("downtime_ms", downtime_ms);
  Record("max_clean_stop_ms", max_clean_stop_ms);
  Record("slots_checked", slots_checked);
  Record("runs", static_cast<int64_t>(runs.size()));
  for (const auto& [status, n] : by_status) Record("runs_" + status, n);
  Record("runs_with_more_than_one_attempt", retried);
  Record("attempts", attempts_total);
  Record("attempts_lost_to_kills", lost_attempts);
  Record("attempts_interrupted_by_sigterm", interrupted_attempts);
  Record("skip_rows", static_cast<int64_t>(skips.size()));
  for (const auto& [reason, n] : skipped_by_reason) {
    Record("skipped_slots_" + reason, n);
    Record("skip_rows_" + reason, skip_rows_by_reason[reason]);
  }
  Record("last_life_drain_ms", drain_ms);
  Record("log_warnings", warnings);
  Record("wall_ms",
         std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - test_start)
             .count());
}

}  // namespace
}  // namespace backbeat::testing
