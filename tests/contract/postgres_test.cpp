// What only the PostgreSQL backend has: retried serialization failures and deadlocks, lost
// sessions, migrations shared by several nodes, concurrent schedulers and claimers. Runs
// against the server named by BACKBEAT_TEST_POSTGRES; skips without it.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "backbeat/storage/postgres/connection.hpp"
#include "backbeat/storage/postgres/connection_pool.hpp"
#include "backbeat/storage/postgres/postgres_storage.hpp"
#include "backbeat/storage/postgres/schema.hpp"
#include "tests/contract/postgres_test_db.hpp"
#include "tests/contract/storage_test_util.hpp"

namespace backbeat::storage::postgres {
namespace {

using core::ErrorCode;
using ::testing::HasSubstr;
using testing::Ms;
using testing::PostgresTestSchema;
using testing::ScopedPostgresStorage;
using testing::Sec;
using testing::Uuid;

constexpr int64_t kSlot = 1774602000;

class PostgresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::optional<std::string> url = testing::PostgresTestUrl();
    if (!url) GTEST_SKIP() << testing::kPostgresSkipMessage;
    url_ = *url;
  }

  // A pool over a fresh schema holding table t (id, v) with rows (1, 0) and (2, 0).
  std::unique_ptr<ConnectionPool> PoolWithTable(size_t size = 4) {
    auto schema = PostgresTestSchema::Create(url_);
    EXPECT_TRUE(schema.ok()) << schema.status().ToString();
    if (!schema.ok()) return nullptr;
    schema_ = std::move(schema).value();
    PoolOptions options;
    options.conninfo = schema_->conninfo();
    options.size = size;
    auto pool = ConnectionPool::Open(options);
    EXPECT_TRUE(pool.ok()) << pool.status().ToString();
    if (!pool.ok()) return nullptr;
    core::Status created = (*pool)->Run([](Connection& c) {
      return c.ExecScript(
          "CREATE TABLE t (id integer PRIMARY KEY, v integer NOT NULL);"
          "INSERT INTO t VALUES (1, 0), (2, 0)");
    });
    EXPECT_TRUE(created.ok()) << created.ToString();
    return std::move(pool).value();
  }

  int64_t ValueOf(ConnectionPool& pool, int id) {
    auto r = pool.Run(
        [id](Connection& c) { return c.Exec("SELECT v FROM t WHERE id = $1", Params().Int(id)); });
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->Int(0, 0) : -1;
  }

  std::unique_ptr<ScopedPostgresStorage> OpenStorage(PostgresOptions options = {}) {
    auto opened = ScopedPostgresStorage::Open(url_, options);
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    return opened.ok() ? std::move(opened).value() : nullptr;
  }

  // Terminates this test's sessions of the pool under test (found by application_name) that
  // are in `state`, waiting until they are gone; answers how many.
  static int64_t Terminate(PostgresTestSchema& schema, const std::string& state) {
    auto r = schema.admin().Exec(
        "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000)) FROM pg_stat_activity "
        "WHERE application_name = $1 AND state = $2 AND pid <> pg_backend_pid()",
        Params().Text(schema.name()).Text(state));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->Int(0, 0) : -1;
  }

  static core::Task DueTask(int n) {
    core::Task t;
    t.id = Uuid(n);
    t.account_id = Uuid(1, 0xacc);
    t.artist_account_id = Uuid(1, 0xa);
    t.title = "t";
    t.prompt = "p";
    t.schedule = "* * * * *";
    t.created_at = t.updated_at = Ms(n);
    t.next_slot = Sec(kSlot);
    return t;
  }
  static FireDecision FireOne(const storage::DueTask& due) {
    FireDecision d;
    core::Run r;
    r.id = "run_" + due.task.id;
    r.task_id = due.task.id;
    r.account_id = due.task.account_id;
    r.artist_account_id = due.task.artist_account_id;
    r.slot = due.task.next_slot;
    r.created_at = r.updated_at = Ms(5000);
    d.runs.push_back(r);
    d.next_slot = *due.task.next_slot + std::chrono::seconds(60);
    return d;
  }

  std::string url_;
  std::unique_ptr<PostgresTestSchema> schema_;
};

TEST_F(PostgresTest, ASerializationFailureRunsTheTransactionAgain) {
  auto pool = PoolWithTable();
  ASSERT_NE(pool, nullptr);
  int attempts = 0;
  core::Status s = pool->InTransaction([&](Connection& c) -> core::Status {
    ++attempts;
    if (core::Status st = c.ExecScript("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
        !st.ok()) {
      return st;
    }
    auto read = c.Exec("SELECT v FROM t WHERE id = 1");  // takes the snapshot
    if (!read.ok()) return read.status();
    if (attempts == 1) {
      // Another session changes the row after the snapshot: updating it now cannot be
      // serialized (SQLSTATE 40001).
      auto other = schema_->admin().Exec("UPDATE " + schema_->name() + ".t SET v = v + 100 " +
                                         "WHERE id = 1");
      if (!other.ok()) return other.status();
    }
    return c.Exec("UPDATE t SET v = v + 1 WHERE id = 1").status();
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(attempts, 2);
  EXPECT_EQ(ValueOf(*pool, 1), 101);
}

TEST_F(PostgresTest, AFailedAttemptLeavesNothingBehind) {
  auto pool = PoolWithTable();
  ASSERT_NE(pool, nullptr);
  int attempts = 0;
  core::Status s = pool->InTransaction([&](Connection& c) -> core::Status {
    ++attempts;
    if (auto r = c.Exec("UPDATE t SET v = v + 1 WHERE id = 2"); !r.ok()) return r.status();
    if (attempts < 3) {
      return c.ExecScript(
          "DO $$ BEGIN RAISE EXCEPTION 'injected' USING ERRCODE = 'serialization_failure'; "
          "END $$");
    }
    return core::Status::Ok();
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(attempts, 3);
  EXPECT_EQ(ValueOf(*pool, 2), 1);  // only the committed attempt's write
}

TEST_F(PostgresTest, ADeadlockIsRetriedAndBothTransactionsCommit) {
  auto pool = PoolWithTable();
  ASSERT_NE(pool, nullptr);
  std::latch both_hold_one_row(2);
  std::atomic<int> attempts{0};
  // Each transaction locks one row, waits until the other holds the other row, then asks for
  // it: PostgreSQL aborts one of them (40P01) and the pool runs it again.
  auto transfer = [&](int first, int second) {
    bool first_attempt = true;
    return pool->InTransaction([&](Connection& c) -> core::Status {
      ++attempts;
      if (core::Status st = c.ExecScript("SET LOCAL deadlock_timeout = '50ms'"); !st.ok()) {
        return st;
      }
      auto a = c.Exec("UPDATE t SET v = v + 1 WHERE id = $1", Params().Int(first));
      if (!a.ok()) return a.status();
      if (first_attempt) {
        first_attempt = false;
        both_hold_one_row.arrive_and_wait();
      }
      return c.Exec("UPDATE t SET v = v + 1 WHERE id = $1", Params().Int(second)).status();
    });
  };
  core::Status one, two;
  std::thread a([&] { one = transfer(1, 2); });
  std::thread b([&] { two = transfer(2, 1); });
  a.join();
  b.join();
  EXPECT_TRUE(one.ok()) << one.ToString();
  EXPECT_TRUE(two.ok()) << two.ToString();
  // At least one retry. The retried transaction may take its first row again before the
  // survivor gets it and deadlock once more (seen once under ASan: 4 attempts), which the pool
  // also retries; each transaction's writes still land exactly once.
  EXPECT_GE(attempts.load(), 3);
  EXPECT_EQ(ValueOf(*pool, 1), 2);
  EXPECT_EQ(ValueOf(*pool, 2), 2);
}

TEST_F(PostgresTest, RetriesStopAfterTheLastAttempt) {
  auto pool = PoolWithTable();
  ASSERT_NE(pool, nullptr);
  int attempts = 0;
  core::Status s = pool->InTransaction([&](Connection& c) {
    ++attempts;
    return c.ExecScript("DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = 'deadlock_detected'; END $$");
  });
  EXPECT_EQ(s.code(), ErrorCode::kAborted);
  EXPECT_EQ(attempts, PoolOptions{}.max_transaction_attempts);
}

TEST_F(PostgresTest, ASessionKilledMidTransactionAnswersUnavailableThenTheNextCallWorks) {
  auto storage = OpenStorage();
  ASSERT_NE(storage, nullptr);
  ASSERT_TRUE(storage->tasks().Create(DueTask(1)).ok());
  int decided = 0;
  auto killed = storage->schedule().FireDue(Sec(kSlot), 10, [&](const storage::DueTask& due) {
    // The firing transaction is open (the task row locked) and waits for the client: end its
    // session from outside, as a server restart or failover would.
    if (++decided == 1) {
      EXPECT_EQ(Terminate(storage->schema(), "idle in transaction"), 1);
    }
    return FireOne(due);
  });
  EXPECT_EQ(killed.status().code(), ErrorCode::kUnavailable) << killed.status().ToString();

  // Nothing of the killed transaction was committed; the next call gets a new session.
  auto fired = storage->schedule().FireDue(Sec(kSlot), 10, FireOne);
  ASSERT_TRUE(fired.ok()) << fired.status().ToString();
  EXPECT_EQ(fired->runs, 1u);
  EXPECT_EQ(fired->duplicate_runs, 0u);
  EXPECT_EQ(storage->tasks().Get(Uuid(1)).value().next_slot, Sec(kSlot + 60));
  EXPECT_EQ(storage->runs().List({}).value().size(), 1u);
}

TEST_F(PostgresTest, IdleSessionsEndedByTheServerAreReplacedQuietly) {
  auto storage = OpenStorage();
  ASSERT_NE(storage, nullptr);
  ASSERT_TRUE(storage->Ping().ok());
  ASSERT_GE(Terminate(storage->schema(), "idle"), 1);
  // As after a server restart: the pool notices the dead sessions before lending them.
  EXPECT_TRUE(storage->Ping().ok());
  EXPECT_TRUE(storage->tasks().Create(DueTask(1)).ok());
}

// The server's clock, read fresh each time (not the transaction's start), near this machine's:
// the test cluster runs here.
TEST_F(PostgresTest, DatabaseTimeIsTheServersCurrentClock) {
  auto storage = OpenStorage();
  ASSERT_NE(storage, nullptr);
  auto first = storage->DatabaseTime();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE(first->has_value());
  const auto local =
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  EXPECT_LT(std::chrono::abs(**first - local), std::chrono::seconds(5));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto second = storage->DatabaseTime();
  ASSERT_TRUE(second.ok() && second->has_value());
  EXPECT_GE(**second - **first, std::chrono::milliseconds(15));
}

TEST_F(PostgresTest, ANewerSchemaVersionIsRefused) {
  auto storage = OpenStorage();
  ASSERT_NE(storage, nullptr);
  PostgresTestSchema& schema = storage->schema();
  ASSERT_TRUE(schema.admin()
                  .ExecScript("INSERT INTO " + schema.name() +
                              ".schema_migrations VALUES (999, 'from the future', 0)")
                  .ok());
  for (bool migrate : {true, false}) {
    PostgresOptions options;
    options.conninfo = schema.conninfo();
    options.migrate = migrate;
    auto reopened = PostgresStorage::Open(options);
    EXPECT_EQ(reopened.status().code(), ErrorCode::kFailedPrecondition);
    EXPECT_THAT(reopened.status().message(),
                HasSubstr("database schema version 999 is newer than this backbeat supports"));
  }
}

TEST_F(PostgresTest, WithoutMigrationsAnUnmigratedDatabaseIsRefused) {
  auto schema = PostgresTestSchema::Create(url_);
  ASSERT_TRUE(schema.ok()) << schema.status().ToString();
  PostgresOptions options;
  options.conninfo = (*schema)->conninfo();
  options.migrate = false;
  auto opened = PostgresStorage::Open(options);
  EXPECT_EQ(opened.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_THAT(opened.status().message(), HasSubstr("start with migrations enabled"));
  options.migrate = true;
  ASSERT_TRUE(PostgresStorage::Open(options).ok());
  options.migrate = false;
  EXPECT_TRUE(PostgresStorage::Open(options).ok());
}

TEST_F(PostgresTest, NodesStartingTogetherApplyEachMigrationOnce) {
  auto schema = PostgresTestSchema::Create(url_);
  ASSERT_TRUE(schema.ok()) << schema.status().ToString();
  constexpr int kNodes = 4;
  std::vector<core::Status> results(kNodes);
  std::vector<std::thread> nodes;
  for (int i = 0; i < kNodes; ++i) {
    nodes.emplace_back([&, i] {
      PostgresOptions options;
      options.conninfo = (*schema)->conninfo();
      results[i] = PostgresStorage::Open(options).status();
    });
  }
  for (auto& n : nodes) n.join();
  for (const core::Status& s : results) EXPECT_TRUE(s.ok()) << s.ToString();
  auto versions = (*schema)->admin().Exec("SELECT count(*), max(version) FROM " +
                                          (*schema)->name() + ".schema_migrations");
  ASSERT_TRUE(versions.ok()) << versions.status().ToString();
  EXPECT_EQ(versions->Int(0, 0), LatestSchemaVersion());
  EXPECT_EQ(versions->Int(0, 1), LatestSchemaVersion());
}

TEST_F(PostgresTest, TextWithANulByteIsRefusedNotCut) {
  auto storage = OpenStorage();
  ASSERT_NE(storage, nullptr);
  core::Task task = DueTask(1);
  task.title = std::string("before\0after", 12);
  EXPECT_EQ(storage->tasks().Create(task).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(storage->tasks().Count().value(), 0u);
}

// Needs no server: runs with or without BACKBEAT_TEST_POSTGRES.
TEST(PostgresOpenTest, AnUnreachableServerIsUnavailableWithAClearMessage) {
  PostgresOptions options;
  options.conninfo = "postgresql://backbeat:s3cret@127.0.0.1:1/backbeat?connect_timeout=2";
  auto opened = PostgresStorage::Open(options);
  EXPECT_EQ(opened.status().code(), ErrorCode::kUnavailable);
  EXPECT_THAT(opened.status().message(), HasSubstr("cannot connect to PostgreSQL at"));
  EXPECT_THAT(opened.status().message(), ::testing::Not(HasSubstr("s3cret")));
}

TEST_F(PostgresTest, AnExhaustedPoolAnswersUnavailableAfterTheAcquireTimeout) {
  auto schema = PostgresTestSchema::Create(url_);
  ASSERT_TRUE(schema.ok()) << schema.status().ToString();
  PoolOptions options;
  options.conninfo = (*schema)->conninfo();
  options.size = 1;
  options.acquire_timeout = std::chrono::milliseconds(50);
  auto pool = ConnectionPool::Open(options);
  ASSERT_TRUE(pool.ok()) << pool.status().ToString();
  core::Status inner = (*pool)->Run([&](Connection&) { return (*pool)->Acquire().status(); });
  EXPECT_EQ(inner.code(), ErrorCode::kUnavailable);
  EXPECT_THAT(inner.message(), HasSubstr("no PostgreSQL connection free"));
  EXPECT_TRUE((*pool)->Run([](Connection& c) { return c.Exec("SELECT 1").status(); }).ok());
}

TEST_F(PostgresTest, SchedulersOnSeveralNodesFireEveryDueTaskOnce) {
  auto storage = OpenStorage();
  ASSERT_NE(storage, nullptr);
  constexpr int kTasks = 60;
  for (int i = 0; i < kTasks; ++i) ASSERT_TRUE(storage->tasks().Create(DueTask(i)).ok());
  std::atomic<size_t> decided{0}, runs{0}, duplicates{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> nodes;
  for (int n = 0; n < 4; ++n) {
    nodes.emplace_back([&] {
      for (;;) {
        auto fired = storage->schedule().FireDue(Sec(kSlot), 5, FireOne);
        if (!fired.ok()) {
          ++failures;
          return;
        }
        decided += fired->tasks;
        runs += fired->runs;
        duplicates += fired->duplicate_runs;
        if (fired->tasks == 0 && !fired->more) return;
      }
    });
  }
  for (auto& t : nodes) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(decided.load(), static_cast<size_t>(kTasks));
  EXPECT_EQ(runs.load(), static_cast<size_t>(kTasks));
  EXPECT_EQ(duplicates.load(), 0u);
  EXPECT_EQ(storage->schedule().EarliestSlot().value(), Sec(kSlot + 60));
}

TEST_F(PostgresTest, TheAccountLimitHoldsAcrossConcurrentClaimers) {
  auto storage = OpenStorage();
  ASSERT_NE(storage, nullptr);
  const std::string account = Uuid(1, 0xacc);
  for (int i = 0; i < 40; ++i) {
    core::Run r;
    r.id = "run_" + std::to_string(1000 + i);
    r.task_id = Uuid(i);
    r.account_id = account;
    r.artist_account_id = Uuid(1, 0xa);
    r.created_at = r.updated_at = Ms(i);
    ASSERT_TRUE(storage->runs().Insert(r).ok());
  }
  constexpr int kLimit = 3;
  std::atomic<size_t> claimed{0};
  std::atomic<int> failures{0};
  std::latch start(4);
  std::vector<std::thread> nodes;
  for (int n = 0; n < 4; ++n) {
    nodes.emplace_back([&, n] {
      const std::string owner = "node-" + std::to_string(n);
      start.arrive_and_wait();
      for (int round = 0; round < 5; ++round) {
        auto got = storage->runs().Claim({owner, Ms(100000), 2, kLimit}, [&](core::Run r) {
          r.status = core::RunStatus::kExecuting;
          r.lease_owner = owner;
          r.lease_expires_at = Ms(200000);
          return r;
        });
        if (!got.ok()) {
          ++failures;
          return;
        }
        claimed += got->size();
      }
    });
  }
  for (auto& t : nodes) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(claimed.load(), static_cast<size_t>(kLimit));
  RunQuery executing;
  executing.status = core::RunStatus::kExecuting;
  EXPECT_EQ(storage->runs().List(executing).value().size(), static_cast<size_t>(kLimit));
}

TEST(PostgresConninfoTest, RedactsPasswords) {
  EXPECT_EQ(RedactConninfo("postgresql://bb:secret@db:5432/bb"), "postgresql://bb:***@db:5432/bb");
  EXPECT_EQ(RedactConninfo("postgresql://bb@db/bb?password=secret&sslmode=require"),
            "postgresql://bb@db/bb?password=***&sslmode=require");
  EXPECT_EQ(RedactConninfo("host=db password='se cret' user=bb"), "host=db password=*** user=bb");
  EXPECT_EQ(RedactConninfo("postgresql://db/bb"), "postgresql://db/bb");
}

}  // namespace
}  // namespace backbeat::storage::postgres
