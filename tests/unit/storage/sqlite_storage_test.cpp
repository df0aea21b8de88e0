// Behaviour of the SQLite backend beyond the storage contract: files, schema versions, group
// commit and its failure isolation, and SQL injection resistance.

#include "backbeat/storage/sqlite/sqlite_storage.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "backbeat/storage/sqlite/connection.hpp"
#include "backbeat/storage/sqlite/group_committer.hpp"
#include "backbeat/storage/sqlite/run_store.hpp"
#include "backbeat/storage/sqlite/schema.hpp"
#include "tests/contract/storage_test_util.hpp"

namespace backbeat::storage::sqlite {
namespace {

using core::ErrorCode;
using storage::testing::FullRun;
using storage::testing::FullTask;
using storage::testing::Ms;
using storage::testing::TempDir;
using storage::testing::Uuid;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::unique_ptr<SqliteStorage> OpenOrDie(const std::string& path, SqliteOptions options = {}) {
  auto opened = SqliteStorage::Open(path, options);
  EXPECT_TRUE(opened.ok()) << opened.status().ToString();
  if (!opened.ok()) return nullptr;
  return std::move(opened).value();
}

class SqliteStorageTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(dir_.ok()); }
  std::string Path() const { return dir_.File("backbeat.db"); }
  TempDir dir_;
};

TEST_F(SqliteStorageTest, DataSurvivesCloseAndReopen) {
  core::Task task = FullTask(Uuid(1), Uuid(1, 1), 100);
  core::Run run = FullRun("run_persisted", task.id, task.account_id, 200);
  core::Account account{Uuid(1, 0xacc), "Someone", {"a@example.com"}, Ms(5)};
  {
    auto storage = OpenOrDie(Path());
    ASSERT_NE(storage, nullptr);
    ASSERT_TRUE(storage->tasks().Create(task).ok());
    ASSERT_TRUE(storage->runs().Insert(run).ok());
    ASSERT_TRUE(storage->accounts().CreateAccount(account).ok());
  }
  auto storage = OpenOrDie(Path());
  ASSERT_NE(storage, nullptr);
  EXPECT_EQ(storage->tasks().Get(task.id).value(), task);
  EXPECT_EQ(storage->runs().Get(run.id).value(), run);
  EXPECT_EQ(storage->accounts().GetAccount(account.id).value(), account);
}

TEST_F(SqliteStorageTest, ReopeningAppliesNoMigrationTwice) {
  OpenOrDie(Path()).reset();
  OpenOrDie(Path()).reset();
  auto c = Connection::Open(Path(), Connection::Mode::kReadOnly, 1000);
  ASSERT_TRUE(c.ok());
  auto s = (*c)->Prepare("SELECT count(*), max(version) FROM schema_migrations");
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(s->Step().value());
  EXPECT_EQ(s->Int(0), LatestSchemaVersion());
  EXPECT_EQ(s->Int(1), LatestSchemaVersion());
}

// Migration 4 moved attempts from child rows into the run's row: a run written under schema 3
// reads back the same after the upgrade, attempts in order, errors included.
TEST_F(SqliteStorageTest, MigrationFourKeepsTheAttemptsOfExistingRuns) {
  {
    auto c = Connection::Open(Path(), Connection::Mode::kReadWrite, 1000);
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE(MigrateTo(**c, 3).ok());
    ASSERT_TRUE((*c)->ExecScript(R"sql(
INSERT INTO runs (id, task_id, account_id, artist_account_id, status, slot_s, idempotency_key,
  is_test, created_at_ms, updated_at_ms, started_at_ms, finished_at_ms, cost_in_cents,
  base_cost_in_cents, duration_ms, payload_json, output_json, error_message, error_name,
  error_stack_trace, schedule_expression, timezone, max_attempts, timeout_seconds, exclusive,
  available_at_ms)
VALUES ('run_old', 'task-1', 'acct-1', 'artist-1', 'FAILED', 60, NULL, 0, 1000, 9000, 2000,
  9000, 1.5, 1.0, 7000, '{"a":1}', NULL, 'boom', 'Error', 'at x', '* * * * *', 'UTC', 2, 60, 0,
  1000),
  ('run_none', 'task-1', 'acct-1', 'artist-1', 'QUEUED', 120, NULL, 0, 1100, 1100, NULL, NULL,
  0, 0, 0, '{}', NULL, NULL, NULL, NULL, '* * * * *', 'UTC', 1, 60, 0, 1100);
INSERT INTO run_attempts (run_id, position, id, status, created_at_ms, updated_at_ms,
  started_at_ms, completed_at_ms, error_message, error_name, error_stack_trace)
VALUES ('run_old', 1, 'attempt_b', 'FAILED', 5000, 9000, 5000, 9000, 'boom', 'Error', 'at x'),
  ('run_old', 0, 'attempt_a', 'FAILED', 2000, 3000, 2000, 3000, 'first "quoted"', 'Timeout',
   'line 1
line 2');
)sql")
                    .ok());
  }
  auto storage = OpenOrDie(Path());
  ASSERT_NE(storage, nullptr);
  core::Run run = storage->runs().Get("run_old").value();
  ASSERT_EQ(run.attempts.size(), 2u);
  EXPECT_EQ(run.attempts[0].id, "attempt_a");
  EXPECT_EQ(run.attempts[0].started_at, Ms(2000));
  EXPECT_EQ(run.attempts[0].completed_at, Ms(3000));
  EXPECT_EQ(run.attempts[0].error,
            (core::RunError{"first \"quoted\"", "Timeout", "line 1\nline 2"}));
  EXPECT_EQ(run.attempts[1].id, "attempt_b");
  EXPECT_EQ(run.attempts[1].created_at, Ms(5000));
  EXPECT_EQ(run.attempts[1].error, (core::RunError{"boom", "Error", "at x"}));
  EXPECT_EQ(run.error, (core::RunError{"boom", "Error", "at x"}));
  EXPECT_EQ(run.payload_json, "{\"a\":1}");
  core::Run none = storage->runs().Get("run_none").value();
  EXPECT_TRUE(none.attempts.empty());
  EXPECT_EQ(none.status, core::RunStatus::kQueued);
  // The rebuilt table still refuses a second run for a slot.
  core::Run again = none;
  again.id = "run_again";
  EXPECT_EQ(storage->runs().Insert(again).code(), ErrorCode::kAlreadyExists);
}

// Migration 5 rebuilds the waiting and active indexes and adds the per-account one: waiting
// runs written under schema 4 are claimed after the upgrade, in order, under an account limit.
TEST_F(SqliteStorageTest, MigrationFiveIndexesTheWaitingRunsOfExistingRuns) {
  {
    auto c = Connection::Open(Path(), Connection::Mode::kReadWrite, 1000);
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE(MigrateTo(**c, 4).ok());
    std::string sql;
    // acct-a: three waiting runs first; acct-b: one after them; one run already finished.
    const char* rows[][4] = {{"run_a0", "acct-a", "QUEUED", "1000"},
                             {"run_a1", "acct-a", "QUEUED", "1001"},
                             {"run_a2", "acct-a", "REATTEMPTING", "1002"},
                             {"run_b0", "acct-b", "QUEUED", "1003"},
                             {"run_done", "acct-b", "COMPLETED", "900"}};
    for (const auto& r : rows) {
      sql += std::string(
                 "INSERT INTO runs (id, task_id, account_id, artist_account_id, status, "
                 "is_test, created_at_ms, updated_at_ms, cost_in_cents, "
                 "base_cost_in_cents, duration_ms, payload_json, schedule_expression, "
                 "timezone, max_attempts, timeout_seconds, exclusive, available_at_ms, "
                 "attempts_json) VALUES ('") +
             r[0] + "', 'task-" + r[0] + "', '" + r[1] + "', 'artist', '" + r[2] + "', 0, " + r[3] +
             ", " + r[3] + ", 0, 0, 0, '{}', '* * * * *', 'UTC', 3, 60, 0, " + r[3] + ", '[]');\n";
    }
    ASSERT_TRUE((*c)->ExecScript(sql).ok());
  }
  auto storage = OpenOrDie(Path());
  ASSERT_NE(storage, nullptr);
  auto start = [](core::Run r) {
    r.status = core::RunStatus::kExecuting;
    r.lease_owner = "n";
    r.lease_expires_at = Ms(60000);
    return r;
  };
  auto ids = [](const core::Result<std::vector<core::Run>>& runs) {
    std::vector<std::string> out;
    if (runs.ok()) {
      for (const core::Run& r : *runs) out.push_back(r.id);
    }
    return out;
  };
  EXPECT_THAT(ids(storage->runs().Claim({"n", Ms(5000), 10, 2}, start)),
              ElementsAre("run_a0", "run_a1", "run_b0"));
  EXPECT_THAT(ids(storage->runs().Claim({"n", Ms(5000), 10, 3}, start)), ElementsAre("run_a2"));
  EXPECT_THAT(ids(storage->runs().Claim({"n", Ms(5000), 10, 0}, start)), ElementsAre());
}

TEST_F(SqliteStorageTest, RefusesASchemaNewerThanItKnows) {
  OpenOrDie(Path()).reset();
  const int newer = LatestSchemaVersion() + 41;
  {
    auto c = Connection::Open(Path(), Connection::Mode::kReadWrite, 1000);
    ASSERT_TRUE(c.ok());
    auto s = (*c)->Prepare(
        "INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (?1, 'future', 0)");
    ASSERT_TRUE(s.ok());
    s->BindInt(1, newer);
    ASSERT_TRUE(s->Run().ok());
  }
  auto opened = SqliteStorage::Open(Path());
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(opened.status().message(), "database schema version " + std::to_string(newer) +
                                           " is newer than this backbeat supports (" +
                                           std::to_string(LatestSchemaVersion()) +
                                           "); upgrade backbeat");
}

TEST_F(SqliteStorageTest, AFileThatIsNotADatabaseIsRefused) {
  std::ofstream(Path()) << "this is not an sqlite database, just some text that is long enough "
                           "to fill a header and then some more text to be sure of it.";
  auto opened = SqliteStorage::Open(Path());
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), ErrorCode::kFailedPrecondition);
}

TEST_F(SqliteStorageTest, AnInMemoryDatabaseIsRefused) {
  auto opened = SqliteStorage::Open(":memory:");
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_THAT(opened.status().message(), HasSubstr("WAL"));
}

TEST_F(SqliteStorageTest, AMissingDirectoryIsUnavailable) {
  auto opened = SqliteStorage::Open(dir_.File("no/such/dir/backbeat.db"));
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), ErrorCode::kUnavailable);
}

TEST_F(SqliteStorageTest, GroupCommitBatchesConcurrentWrites) {
  auto storage = OpenOrDie(Path());
  ASSERT_NE(storage, nullptr);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 500;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  const WriteStats before = storage->write_stats();
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        int n = t * kPerThread + i;
        if (!storage->tasks().Create(FullTask(Uuid(n), Uuid(t, 1), n)).ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  const WriteStats after = storage->write_stats();
  const uint64_t units = after.units - before.units;
  const uint64_t transactions = after.transactions - before.transactions;
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(units, static_cast<uint64_t>(kThreads * kPerThread));
  EXPECT_EQ(storage->tasks().Count().value(), static_cast<size_t>(kThreads * kPerThread));
  // With 8 writers, writes queue up while a batch runs and share the next transaction. How many
  // share depends on the scheduling of the threads (the WAL sync no longer holds the writer, and
  // a loaded machine runs the writers late), so the test asks only for batching to happen;
  // MaxBatchOfOneCommitsEveryWriteAlone shows the count is not fewer by construction.
  EXPECT_LT(transactions, units) << transactions << " transactions for " << units << " writes";
  RecordProperty("transactions", static_cast<int>(transactions));
}

uintmax_t WalBytes(const std::string& db_path) {
  std::error_code ec;
  const uintmax_t size = std::filesystem::file_size(db_path + "-wal", ec);
  return ec ? 0 : size;
}

// Readers that never pause keep passive checkpoints from ever letting the WAL start over; past
// wal_restart_frames the checkpointer waits for them briefly so that it starts over (RESTART),
// and once the writes stop it gives the file's space back (TRUNCATE).
TEST_F(SqliteStorageTest, TheWalIsEmptiedWhileReadsNeverPause) {
  SqliteOptions options;
  options.wal_restart_frames = 200;
  auto storage = OpenOrDie(Path(), options);
  ASSERT_NE(storage, nullptr);
  std::atomic<bool> stop{false};
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&] {
      while (!stop.load()) (void)storage->tasks().Count();
    });
  }
  uintmax_t largest = 0;
  for (int n = 0; n < 3000; ++n) {
    ASSERT_TRUE(storage->tasks().Create(FullTask(Uuid(n), Uuid(1, 1), n)).ok());
    if (n % 100 == 0) largest = std::max(largest, WalBytes(Path()));
  }
  // The writes grew it well past the threshold; with readers still busy it must come back down.
  EXPECT_GT(largest, uintmax_t{200} * 4096);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (WalBytes(Path()) > uintmax_t{200} * 4096 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_LE(WalBytes(Path()), uintmax_t{200} * 4096) << "largest seen: " << largest;
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(storage->tasks().Count().value(), 3000u);
}

// The last connection to close can write, so SQLite copies the WAL back and removes it: the next
// start does not read a left-over WAL.
TEST_F(SqliteStorageTest, ACleanCloseLeavesNoWal) {
  {
    auto storage = OpenOrDie(Path());
    ASSERT_NE(storage, nullptr);
    for (int n = 0; n < 50; ++n) {
      ASSERT_TRUE(storage->tasks().Create(FullTask(Uuid(n), Uuid(1, 1), n)).ok());
    }
    ASSERT_EQ(storage->tasks().Count().value(), 50u);
    EXPECT_GT(WalBytes(Path()), 0u);
  }
  EXPECT_FALSE(std::filesystem::exists(Path() + "-wal"));
  auto reopened = OpenOrDie(Path());
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->tasks().Count().value(), 50u);
}

TEST_F(SqliteStorageTest, MaxBatchOfOneCommitsEveryWriteAlone) {
  SqliteOptions options;
  options.max_batch = 1;
  auto storage = OpenOrDie(Path(), options);
  ASSERT_NE(storage, nullptr);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        int n = t * 25 + i;
        EXPECT_TRUE(storage->tasks().Create(FullTask(Uuid(n), Uuid(t, 1), n)).ok());
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(storage->write_stats().units, 100u);
  EXPECT_EQ(storage->write_stats().transactions, 100u);
}

// Drives a GroupCommitter directly so that one batch is formed deterministically: a first unit
// holds the writer until every other unit is queued behind it.
class GroupCommitterTest : public SqliteStorageTest {
 protected:
  void SetUp() override {
    SqliteStorageTest::SetUp();
    auto c = Connection::Open(Path(), Connection::Mode::kReadWrite, 1000);
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE((*c)->Exec("PRAGMA journal_mode = WAL").ok());
    ASSERT_TRUE((*c)->ExecScript("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)").ok());
    committer_ = std::make_unique<GroupCommitter>(std::move(c).value(), 1024);
  }

  static GroupCommitter::Work Insert(int64_t k) {
    return [k](Connection& c) -> core::Status {
      auto s = c.Prepare("INSERT INTO t (k, v) VALUES (?1, 'x')");
      if (!s.ok()) return s.status();
      s->BindInt(1, k);
      return s->Run();
    };
  }

  // Submits `units` behind a unit that blocks, in order, then lets the writer go: the queued
  // units run as one batch, in the vector's order. Returns each unit's outcome.
  std::vector<core::Status> RunAsOneBatch(std::vector<GroupCommitter::Work> units,
                                          std::vector<GroupCommitter::Undo> undo = {}) {
    undo.resize(units.size(), GroupCommitter::Undo::kSavepoint);
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    std::promise<void> started;
    auto blocker = std::async(std::launch::async, [&] {
      return committer_->Submit([&](Connection&) {
        started.set_value();
        released.wait();
        return core::Status::Ok();
      });
    });
    started.get_future().wait();
    std::vector<std::future<core::Status>> results;
    for (size_t i = 0; i < units.size(); ++i) {
      results.push_back(std::async(
          std::launch::async,
          [this, u = std::move(units[i]), how = undo[i]] { return committer_->Submit(u, how); }));
      // One at a time: the queue's order is the vector's.
      while (committer_->pending() < results.size()) std::this_thread::yield();
    }
    const uint64_t before = committer_->stats().transactions;
    release.set_value();
    EXPECT_TRUE(blocker.get().ok());
    std::vector<core::Status> out;
    for (auto& r : results) out.push_back(r.get());
    // The blocker's batch, then exactly one more for everything that queued behind it.
    EXPECT_EQ(committer_->stats().transactions, before + 2);
    return out;
  }

  int64_t CountRows() {
    auto c = Connection::Open(Path(), Connection::Mode::kReadOnly, 1000);
    EXPECT_TRUE(c.ok());
    if (!c.ok()) return -1;
    auto s = (*c)->Prepare("SELECT count(*) FROM t");
    EXPECT_TRUE(s.ok() && s->Step().value());
    return s->Int(0);
  }

  std::unique_ptr<GroupCommitter> committer_;
};

TEST_F(GroupCommitterTest, ConcurrentUnitsShareOneTransaction) {
  std::vector<GroupCommitter::Work> units;
  for (int k = 1; k <= 20; ++k) units.push_back(Insert(k));
  for (const core::Status& s : RunAsOneBatch(std::move(units))) EXPECT_TRUE(s.ok());
  EXPECT_EQ(CountRows(), 20);
}

TEST_F(GroupCommitterTest, AFailingUnitDoesNotFailTheOthersInItsBatch) {
  ASSERT_TRUE(committer_->Submit(Insert(5)).ok());
  std::vector<GroupCommitter::Work> units;
  units.push_back(Insert(1));
  units.push_back(Insert(5));  // duplicate key: this unit alone fails
  units.push_back(Insert(2));
  // A unit that writes, then reports an error: its own write must be rolled back.
  units.push_back([](Connection& c) -> core::Status {
    auto s = c.Prepare("INSERT INTO t (k, v) VALUES (?1, 'x')");
    if (!s.ok()) return s.status();
    s->BindInt(1, 100);
    if (core::Status st = s->Run(); !st.ok()) return st;
    return core::InvalidArgument("changed my mind");
  });
  units.push_back(Insert(3));
  std::vector<core::Status> results = RunAsOneBatch(std::move(units));
  ASSERT_EQ(results.size(), 5u);
  EXPECT_TRUE(results[0].ok());
  EXPECT_EQ(results[1].code(), ErrorCode::kAlreadyExists);
  EXPECT_TRUE(results[2].ok());
  EXPECT_EQ(results[3].code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(results[3].message(), "changed my mind");
  EXPECT_TRUE(results[4].ok());
  EXPECT_EQ(CountRows(), 4);  // 5, 1, 2, 3; not 100
}

// The first unit of a transaction runs without a savepoint: when it fails, the transaction is
// rolled back (taking its writes with it) and the rest of the batch runs in a new one.
TEST_F(GroupCommitterTest, AFailingFirstUnitLosesItsWritesAndTheRestCommit) {
  std::vector<GroupCommitter::Work> units;
  units.push_back([](Connection& c) -> core::Status {
    auto s = c.Prepare("INSERT INTO t (k, v) VALUES (100, 'x')");
    if (!s.ok()) return s.status();
    if (core::Status st = s->Run(); !st.ok()) return st;
    return core::InvalidArgument("changed my mind");
  });
  units.push_back(Insert(1));
  units.push_back(Insert(2));
  std::vector<core::Status> results = RunAsOneBatch(std::move(units));
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(results[1].ok());
  EXPECT_TRUE(results[2].ok());
  EXPECT_EQ(CountRows(), 2);
}

// A unit of one statement needs no savepoint: a failing statement undoes itself, and the units
// before and after it in the transaction commit.
TEST_F(GroupCommitterTest, AFailingOneStatementUnitUndoesOnlyItself) {
  using Undo = GroupCommitter::Undo;
  ASSERT_TRUE(committer_->Submit(Insert(5)).ok());
  std::vector<GroupCommitter::Work> units;
  units.push_back(Insert(1));
  units.push_back(Insert(5));  // duplicate key
  units.push_back(Insert(2));
  // Multi-row: the duplicate comes after a row this statement already wrote.
  units.push_back([](Connection& c) -> core::Status {
    return c.Exec("INSERT INTO t (k, v) VALUES (100, 'x'), (101, 'x'), (5, 'x')");
  });
  units.push_back(Insert(3));
  std::vector<core::Status> results = RunAsOneBatch(
      std::move(units),
      {Undo::kStatement, Undo::kStatement, Undo::kStatement, Undo::kStatement, Undo::kStatement});
  ASSERT_EQ(results.size(), 5u);
  EXPECT_TRUE(results[0].ok());
  EXPECT_EQ(results[1].code(), ErrorCode::kAlreadyExists);
  EXPECT_TRUE(results[2].ok());
  EXPECT_EQ(results[3].code(), ErrorCode::kAlreadyExists);
  EXPECT_TRUE(results[4].ok());
  EXPECT_EQ(CountRows(), 4);  // 5, 1, 2, 3; not 100 or 101
}

TEST_F(GroupCommitterTest, DestructionFinishesQueuedWork) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> started;
  auto blocker = std::async(std::launch::async, [&] {
    return committer_->Submit([&](Connection&) {
      started.set_value();
      released.wait();
      return core::Status::Ok();
    });
  });
  started.get_future().wait();
  std::vector<std::future<core::Status>> results;
  for (int k = 1; k <= 10; ++k) {
    results.push_back(
        std::async(std::launch::async, [this, k] { return committer_->Submit(Insert(k)); }));
  }
  while (committer_->pending() < results.size()) std::this_thread::yield();
  release.set_value();
  committer_.reset();  // drains the queue, then joins
  EXPECT_TRUE(blocker.get().ok());
  for (auto& r : results) EXPECT_TRUE(r.get().ok());
  EXPECT_EQ(CountRows(), 10);
}

// SubmitAsync: the same batches as Submit, answered through completions on the writer thread.
// With a sync function, nobody is answered before a sync that began after their commit; a
// failed sync answers the writes it covered with its error; a batch that committed nothing
// (every unit failed) needs no sync.
TEST_F(GroupCommitterTest, AnswersOnlyAfterTheSyncThatCoversTheCommit) {
  committer_.reset();
  auto c = Connection::Open(Path(), Connection::Mode::kReadWrite, 1000);
  ASSERT_TRUE(c.ok());
  std::mutex mu;
  std::vector<std::string> events;  // in the order they happened
  std::atomic<bool> fail_sync{false};
  auto log = [&](std::string e) {
    std::lock_guard lock(mu);
    events.push_back(std::move(e));
  };
  committer_ = std::make_unique<GroupCommitter>(std::move(c).value(), 1024, [&]() -> core::Status {
    log("sync");
    if (fail_sync) return core::Unavailable("disk gone");
    return core::Status::Ok();
  });
  EXPECT_TRUE(committer_
                  ->Submit([&](Connection& conn) {
                    log("work 1");
                    return Insert(1)(conn);
                  })
                  .ok());
  log("answered 1");
  EXPECT_EQ(committer_->Submit([](Connection&) { return core::InvalidArgument("no"); }).code(),
            ErrorCode::kInvalidArgument);
  log("answered 2");
  fail_sync = true;
  core::Status failed = committer_->Submit([&](Connection& conn) {
    log("work 3");
    return Insert(3)(conn);
  });
  EXPECT_EQ(failed.code(), ErrorCode::kUnavailable);
  EXPECT_THAT(failed.message(), HasSubstr("not synced to disk: disk gone"));
  EXPECT_THAT(events, ElementsAre("work 1", "sync", "answered 1", "answered 2", "work 3", "sync"));
  committer_.reset();
  EXPECT_EQ(CountRows(), 2);  // committed, though the second was not known to be on disk
}

class GroupCommitterAsyncTest : public GroupCommitterTest {
 protected:
  // Holds the writer inside a unit until Release(), so that what is submitted meanwhile queues
  // up and forms one batch.
  void HoldWriter() {
    std::promise<void> started;
    blocker_ = std::async(std::launch::async, [this, &started] {
      return committer_->Submit([this, &started](Connection&) {
        started.set_value();
        released_.wait();
        return core::Status::Ok();
      });
    });
    started.get_future().wait();
  }
  void Release() {
    release_.set_value();
    EXPECT_TRUE(blocker_.get().ok());
  }

  // Records each completion's outcome in call order; Wait() returns once `n` have run.
  struct Recorder {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<std::pair<int, core::Status>> calls;  // GUARDED_BY(mu)
    std::thread::id thread;                           // GUARDED_BY(mu)
    GroupCommitter::Done For(int tag) {
      return [this, tag](core::Status s) {
        std::lock_guard lock(mu);
        calls.emplace_back(tag, std::move(s));
        thread = std::this_thread::get_id();
        cv.notify_all();
      };
    }
    void Wait(size_t n) {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return calls.size() >= n; });
    }
  };

  std::promise<void> release_;
  std::shared_future<void> released_ = release_.get_future().share();
  std::future<core::Status> blocker_;
};

TEST_F(GroupCommitterAsyncTest, CompletionsRunInSubmissionOrderAfterOneSharedCommit) {
  HoldWriter();
  Recorder recorder;
  for (int k = 1; k <= 50; ++k) committer_->SubmitAsync(Insert(k), recorder.For(k));
  EXPECT_EQ(committer_->pending(), 50u) << "SubmitAsync returns before its unit runs";
  const uint64_t before = committer_->stats().transactions;
  Release();
  recorder.Wait(50);
  // The held unit's batch, then exactly one more for everything that queued behind it.
  ASSERT_EQ(recorder.calls.size(), 50u);
  for (int k = 1; k <= 50; ++k) {
    EXPECT_EQ(recorder.calls[k - 1].first, k);
    EXPECT_TRUE(recorder.calls[k - 1].second.ok()) << recorder.calls[k - 1].second.ToString();
  }
  EXPECT_NE(recorder.thread, std::this_thread::get_id()) << "completions run on the writer";
  EXPECT_EQ(committer_->stats().transactions, before + 2);
  EXPECT_EQ(CountRows(), 50);
}

TEST_F(GroupCommitterAsyncTest, AFailingUnitGetsItsOwnErrorAndTheOthersCommit) {
  ASSERT_TRUE(committer_->Submit(Insert(5)).ok());
  HoldWriter();
  Recorder recorder;
  committer_->SubmitAsync(Insert(1), recorder.For(1));
  committer_->SubmitAsync(Insert(5), recorder.For(2));  // duplicate key
  committer_->SubmitAsync([](Connection&) { return core::InvalidArgument("no"); }, recorder.For(3));
  committer_->SubmitAsync(Insert(2), recorder.For(4));
  Release();
  recorder.Wait(4);
  ASSERT_EQ(recorder.calls.size(), 4u);
  EXPECT_TRUE(recorder.calls[0].second.ok());
  EXPECT_EQ(recorder.calls[1].second.code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(recorder.calls[2].second.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(recorder.calls[2].second.message(), "no");
  EXPECT_TRUE(recorder.calls[3].second.ok());
  EXPECT_EQ(CountRows(), 3);
}

TEST_F(GroupCommitterAsyncTest, BlockingAndAsyncCallersShareABatchInOrder) {
  HoldWriter();
  Recorder recorder;
  committer_->SubmitAsync(Insert(1), recorder.For(1));
  auto blocking = std::async(std::launch::async, [this] { return committer_->Submit(Insert(2)); });
  while (committer_->pending() < 2) std::this_thread::yield();
  committer_->SubmitAsync(Insert(3), recorder.For(3));
  const uint64_t before = committer_->stats().transactions;
  Release();
  EXPECT_TRUE(blocking.get().ok());
  recorder.Wait(2);
  EXPECT_EQ(recorder.calls[0].first, 1);
  EXPECT_EQ(recorder.calls[1].first, 3);
  EXPECT_EQ(committer_->stats().transactions, before + 2);
  EXPECT_EQ(CountRows(), 3);
}

TEST_F(GroupCommitterAsyncTest, AThrowingCompletionDoesNotStopTheWriter) {
  committer_->SubmitAsync(Insert(1), [](core::Status) { throw std::runtime_error("boom"); });
  committer_->SubmitAsync(Insert(2), nullptr);  // no completion wanted
  EXPECT_TRUE(committer_->Submit(Insert(3)).ok());
  EXPECT_EQ(CountRows(), 3);
}

TEST_F(GroupCommitterAsyncTest, DestructionAnswersEveryQueuedAsyncUnit) {
  HoldWriter();
  Recorder recorder;
  for (int k = 1; k <= 10; ++k) committer_->SubmitAsync(Insert(k), recorder.For(k));
  release_.set_value();
  committer_.reset();  // drains the queue, completions included, then joins
  EXPECT_TRUE(blocker_.get().ok());
  ASSERT_EQ(recorder.calls.size(), 10u);
  for (const auto& [tag, status] : recorder.calls) EXPECT_TRUE(status.ok()) << tag;
  EXPECT_EQ(CountRows(), 10);
}

// The multi-row insert of a firing step is INSERT OR FAIL (no statement journal): a statement
// that fails part-way keeps the rows it wrote before, and only the writer's unit rolling back
// removes them. A trigger refuses one run in the middle of a 16-row statement.
TEST_F(SqliteStorageTest, AFailedMultiRowRunInsertLeavesNoRowOnceItsUnitRollsBack) {
  { ASSERT_NE(OpenOrDie(Path()), nullptr); }  // migrations
  auto c = Connection::Open(Path(), Connection::Mode::kReadWrite, 1000);
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(
      (*c)->ExecScript("CREATE TRIGGER refuse BEFORE INSERT ON runs "
                       "WHEN NEW.id = 'run_refused' BEGIN SELECT RAISE(FAIL, 'refused'); END")
          .ok());
  GroupCommitter writer(std::move(c).value(), 16);
  auto runs_of = [](std::string_view refused_id) {
    std::vector<core::Run> runs;
    for (int i = 0; i < 20; ++i) {
      runs.push_back(FullRun("run_" + std::to_string(100 + i), Uuid(1, i), Uuid(2), 1000 + i));
    }
    runs[7].id = refused_id;
    return runs;
  };
  auto insert_all = [&](const std::vector<core::Run>& runs, size_t& inserted) {
    return writer.Submit([&](Connection& conn) -> core::Status {
      std::vector<const core::Run*> ptrs;
      for (const core::Run& r : runs) ptrs.push_back(&r);
      core::Result<size_t> n = InsertRunsIfAbsent(conn, ptrs);
      if (!n.ok()) return n.status();
      inserted = *n;
      return core::Status::Ok();
    });
  };
  auto count = [&] {
    auto reader = Connection::Open(Path(), Connection::Mode::kReadOnly, 1000);
    EXPECT_TRUE(reader.ok());
    auto s = (*reader)->Prepare("SELECT count(*) FROM runs");
    EXPECT_TRUE(s.ok() && s->Step().value());
    return s->Int(0);
  };
  size_t inserted = 0;
  core::Status refused = insert_all(runs_of("run_refused"), inserted);
  EXPECT_FALSE(refused.ok());
  EXPECT_THAT(refused.message(), HasSubstr("refused"));
  EXPECT_EQ(count(), 0);  // not the 7 rows the statement wrote before the refused one
  ASSERT_TRUE(insert_all(runs_of("run_107"), inserted).ok());
  EXPECT_EQ(inserted, 20u);
  EXPECT_EQ(count(), 20);
}

TEST_F(SqliteStorageTest, HostileStringsAreStoredVerbatim) {
  auto storage = OpenOrDie(Path());
  ASSERT_NE(storage, nullptr);
  const std::string hostile[] = {
      "'; DROP TABLE tasks; --",
      "Robert'); DROP TABLE runs;--",
      "\" OR 1=1 --",
      "back\\slash \\' \\\" %s %n ?1 ?2 :name @x $y",
      std::string("nul\0inside\0", 11),
      "\"]} , {\"injected\": 1",
      "\xF0\x9F\x8E\xB5 \xE2\x80\xAE reversed",
  };
  int n = 0;
  for (const std::string& s : hostile) {
    ++n;
    core::Task task = FullTask(Uuid(n), s, n);
    task.title = s;
    task.prompt = s + s;
    task.model = s;
    task.artist_account_id = s;
    ASSERT_TRUE(storage->tasks().Create(task).ok()) << n;
    auto got = storage->tasks().Get(task.id);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(*got, task) << n;
    // Filters with the hostile value find exactly that task.
    TaskQuery by_account;
    by_account.account_ids = std::vector<std::string>{s};
    auto list = storage->tasks().List(by_account);
    ASSERT_TRUE(list.ok());
    ASSERT_EQ(list->size(), 1u) << n;
    EXPECT_EQ(list->front(), task);
    TaskQuery by_several;
    by_several.account_ids = std::vector<std::string>{s, "nobody"};
    ASSERT_EQ(storage->tasks().List(by_several).value().size(), 1u) << n;
    TaskQuery by_artist;
    by_artist.artist_account_id = s;
    ASSERT_EQ(storage->tasks().List(by_artist).value().size(), 1u) << n;
  }
  // Hostile ids, too.
  core::Task task = FullTask("x'); DELETE FROM tasks; --", Uuid(1, 1), 99);
  ASSERT_TRUE(storage->tasks().Create(task).ok());
  EXPECT_EQ(storage->tasks().Get(task.id).value(), task);
  EXPECT_EQ(storage->tasks().Count().value(), std::size(hostile) + 1);
  core::Run run = FullRun("run_'; DROP TABLE runs; --", task.id, hostile[0], 1);
  run.error = core::RunError{hostile[4], hostile[1], hostile[3]};
  ASSERT_TRUE(storage->runs().Insert(run).ok());
  EXPECT_EQ(storage->runs().Get(run.id).value(), run);
}

TEST_F(SqliteStorageTest, ReadsSeeEveryAcknowledgedWriteFromAnyConnection) {
  SqliteOptions options;
  options.read_connections = 3;
  auto storage = OpenOrDie(Path(), options);
  ASSERT_NE(storage, nullptr);
  for (int i = 0; i < 30; ++i) {
    ASSERT_TRUE(storage->tasks().Create(FullTask(Uuid(i), Uuid(1, 1), i)).ok());
    // Each read may land on a different pooled connection; all must see the write.
    for (int r = 0; r < 3; ++r) ASSERT_TRUE(storage->tasks().Get(Uuid(i)).ok());
  }
}

// FireDue decides on a reader snapshot while the writer applies the previous step; a task that
// changes in between (here: from inside `decide`, after the read) is decided again on what the
// writer sees, never committed from the stale decision.
TEST_F(SqliteStorageTest, FireDueDecidesAgainWhenATaskChangedAfterItWasRead) {
  auto storage = OpenOrDie(Path());
  ASSERT_NE(storage, nullptr);
  const core::Instant slot{std::chrono::seconds{1'800'000'000}};
  auto make_task = [&](int n) {
    core::Task t = FullTask(Uuid(n), Uuid(1, 0xacc), n);
    t.enabled = true;
    t.next_slot = slot;
    return t;
  };
  core::Task disabled = make_task(1), busy = make_task(2), edited = make_task(3);
  for (const core::Task& t : {disabled, busy, edited}) {
    ASSERT_TRUE(storage->tasks().Create(t).ok());
  }
  std::map<std::string, std::vector<DueTask>> seen;
  auto decide = [&](const DueTask& due) {
    seen[due.task.id].push_back(due);
    if (seen[due.task.id].size() == 1) {
      if (due.task.id == disabled.id) {
        core::Task off = disabled;
        off.enabled = false;
        off.next_slot.reset();
        EXPECT_TRUE(storage->tasks().Update(off).ok());
      } else if (due.task.id == busy.id) {
        core::Run manual = FullRun("run_manual", busy.id, busy.account_id, 10);
        manual.status = core::RunStatus::kQueued;
        manual.slot.reset();
        EXPECT_TRUE(storage->runs().Insert(manual).ok());
      } else {
        core::Task changed = edited;
        changed.prompt = "a new prompt";
        changed.updated_at = Ms(99);
        EXPECT_TRUE(storage->tasks().Update(changed).ok());
      }
    }
    FireDecision d;
    core::Run run = FullRun(
        "run_for_" + due.task.prompt + "_" + std::to_string(due.active_runs) + "_" + due.task.id,
        due.task.id, due.task.account_id, 20);
    run.status = core::RunStatus::kQueued;
    run.slot = slot;
    d.runs.push_back(run);
    d.next_slot = slot + std::chrono::seconds(60);
    return d;
  };
  auto summary = storage->schedule().FireDue(slot, 10, decide);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->tasks, 2u);
  EXPECT_EQ(summary->runs, 2u);

  // Disabled after the read: decided once, nothing written for it.
  EXPECT_EQ(seen[disabled.id].size(), 1u);
  RunQuery q;
  q.task_id = disabled.id;
  EXPECT_TRUE(storage->runs().List(q).value().empty());
  EXPECT_EQ(storage->tasks().Get(disabled.id).value().next_slot, std::nullopt);
  // A run appeared: decided again with the new active count.
  ASSERT_EQ(seen[busy.id].size(), 2u);
  EXPECT_EQ(seen[busy.id][0].active_runs, 0);
  EXPECT_EQ(seen[busy.id][1].active_runs, 1);
  q.task_id = busy.id;
  std::vector<core::Run> busy_runs = storage->runs().List(q).value();
  ASSERT_EQ(busy_runs.size(), 2u);
  EXPECT_TRUE(busy_runs[0].id.find("_1_") != std::string::npos ||
              busy_runs[1].id.find("_1_") != std::string::npos);
  // Edited: decided again on the new row.
  ASSERT_EQ(seen[edited.id].size(), 2u);
  EXPECT_EQ(seen[edited.id][1].task.prompt, "a new prompt");
  q.task_id = edited.id;
  std::vector<core::Run> edited_runs = storage->runs().List(q).value();
  ASSERT_EQ(edited_runs.size(), 1u);
  EXPECT_EQ(edited_runs[0].id, "run_for_a new prompt_0_" + edited.id);
  EXPECT_EQ(storage->tasks().Get(edited.id).value().next_slot, slot + std::chrono::seconds(60));
}

}  // namespace
}  // namespace backbeat::storage::sqlite

namespace backbeat::storage::sqlite {
namespace {

// GET /api/tasks reads a page of tasks and then each one's recent runs inside ReadTogether: one
// read transaction on one connection, so they come from one snapshot, and no nested read waits
// for a second connection (with one reader it would wait for ever).
TEST_F(SqliteStorageTest, ReadsInsideReadTogetherShareOneSnapshotOnOneConnection) {
  auto storage = OpenOrDie(Path(), SqliteOptions{.read_connections = 1});
  ASSERT_NE(storage, nullptr);
  core::Task first = FullTask(Uuid(1), Uuid(1, 1), 100);
  ASSERT_TRUE(storage->tasks().Create(first).ok());

  TaskQuery all;
  all.limit = 10;
  size_t seen_before = 0, seen_after = 0;
  core::Status together = storage->ReadTogether([&]() -> core::Status {
    auto before = storage->tasks().List(all);
    if (!before.ok()) return before.status();
    seen_before = before->size();
    // A write committed by another thread meanwhile is not part of this snapshot.
    core::Task second = FullTask(Uuid(2), Uuid(1, 1), 200);
    std::thread writer([&] { EXPECT_TRUE(storage->tasks().Create(second).ok()); });
    writer.join();
    RunQuery runs;
    runs.task_id = first.id;
    runs.limit = 5;
    if (auto r = storage->runs().List(runs); !r.ok()) return r.status();  // the one connection
    auto after = storage->tasks().List(all);
    if (!after.ok()) return after.status();
    seen_after = after->size();
    return core::Status::Ok();
  });
  ASSERT_TRUE(together.ok()) << together.ToString();
  EXPECT_EQ(seen_before, 1u);
  EXPECT_EQ(seen_after, 1u);
  auto now = storage->tasks().List(all);
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->size(), 2u);  // a read after it sees the write
}

// Two storages on one thread: a read of the second inside ReadTogether of the first uses the
// second's own connection, not the first's.
TEST_F(SqliteStorageTest, ReadTogetherJoinsOnlyReadsOfItsOwnDatabase) {
  auto one = OpenOrDie(Path(), SqliteOptions{.read_connections = 1});
  auto two = OpenOrDie(dir_.File("other.db"), SqliteOptions{.read_connections = 1});
  ASSERT_NE(one, nullptr);
  ASSERT_NE(two, nullptr);
  ASSERT_TRUE(two->tasks().Create(FullTask(Uuid(7), Uuid(1, 1), 100)).ok());
  TaskQuery all;
  all.limit = 10;
  size_t in_one = 9, in_two = 9;
  core::Status together = one->ReadTogether([&]() -> core::Status {
    auto a = one->tasks().List(all);
    auto b = two->tasks().List(all);
    auto a_again = one->tasks().List(all);
    if (!a.ok() || !b.ok() || !a_again.ok()) return core::Internal("a read failed");
    in_one = a_again->size();
    in_two = b->size();
    return core::Status::Ok();
  });
  ASSERT_TRUE(together.ok()) << together.ToString();
  EXPECT_EQ(in_one, 0u);
  EXPECT_EQ(in_two, 1u);
}

}  // namespace
}  // namespace backbeat::storage::sqlite
