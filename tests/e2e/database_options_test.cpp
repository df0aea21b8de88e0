// The operator's database options, through the real binary: `backbeat migrate`,
// `serve --no-migrate`, `--db-pool-size` and `--db-statement-timeout`. The SQLite cases always
// run; the PostgreSQL cases skip without BACKBEAT_TEST_POSTGRES.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/e2e_test.hpp"
#include "tests/e2e/postgres_e2e.hpp"
#include "tests/e2e/subprocess.hpp"

namespace backbeat::testing {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;

ProcessResult Backbeat(std::vector<std::string> args) {
  args.insert(args.begin(), BACKBEAT_BINARY);
  return RunProcess(args);
}

ApiResponse PostTask(const ServerFixture& server, const std::string& key,
                     const std::string& title) {
  return CallApi(server, "POST", "/api/tasks", key, CreateBody({}, title));
}

TEST(ServeHelpTest, ListsTheDatabaseOptionsWithTheirVariablesAndDefaults) {
  ProcessResult r = Backbeat({"serve", "--help"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* expected :
       {"postgresql://", "--no-migrate", "BACKBEAT_NO_MIGRATE", "--db-pool-size", "=8",
        "BACKBEAT_DB_POOL_SIZE", "--db-statement-timeout", "BACKBEAT_DB_STATEMENT_TIMEOUT"}) {
    EXPECT_THAT(r.out, HasSubstr(expected));
  }
  ProcessResult top = Backbeat({"--help"});
  EXPECT_THAT(top.out, HasSubstr("migrate"));
}

TEST(ServeOptionsTest, RejectsAPoolOfZeroConnections) {
  ProcessResult r = Backbeat({"serve", "--db-pool-size", "0"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--db-pool-size"));
}

TEST(MigrateCommandTest, CreatesAndMigratesASqliteFileAndExits) {
  ServerFixture server({"--no-migrate"});
  ASSERT_FALSE(std::filesystem::exists(server.db_path()));
  ProcessResult r = server.Admin({"migrate"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("schema version"));
  EXPECT_TRUE(std::filesystem::exists(server.db_path()));
  // Migrating again is a no-op that succeeds (the step an upgrade script repeats safely).
  EXPECT_EQ(server.Admin({"migrate"}).exit_code, 0);

  // SQLite accepts --no-migrate and says it has no effect there.
  core::Status started = server.Start();
  ASSERT_TRUE(started.ok()) << started.message();
  EXPECT_THAT(server.ReadLog(), HasSubstr("--no-migrate has no effect on SQLite"));
  EXPECT_EQ(PostTask(server, server.admin_key(), "after migrate").status, 200);
  EXPECT_EQ(server.Stop(), 0);
}

TEST(MigrateCommandTest, ReadsTheDatabaseFromTheEnvironment) {
  ServerFixture scratch;  // only for its temporary directory (and its scrubbed environment)
  const std::string path = scratch.dir() + "/from-env/backbeat.db";
  ASSERT_EQ(setenv("BACKBEAT_DB", ("sqlite:" + path).c_str(), 1), 0);
  ProcessResult r = Backbeat({"migrate"});
  unsetenv("BACKBEAT_DB");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(path));
}

TEST(MigrateCommandTest, UnsupportedUrlIsAUsageError) {
  ProcessResult r = Backbeat({"migrate", "--db", "mysql://localhost/x"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("unsupported database URL"));
}

TEST(MigrateCommandTest, UnreachablePostgresExitsOneWithTheReason) {
  // Port 1 on the loopback: nothing listens there, so the connection is refused at once.
  ProcessResult r = Backbeat({"migrate", "--db", "postgresql://backbeat:secret@127.0.0.1:1/x"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("cannot migrate the database"));
  EXPECT_THAT(r.err, ::testing::Not(HasSubstr("secret")));  // the password is never printed
}

class PostgresOptionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    BACKBEAT_REQUIRE_POSTGRES();
    schema_ = NewTestSchema();
    ASSERT_NE(schema_, nullptr);
  }

  std::unique_ptr<ServerFixture> Server(std::vector<std::string> args) {
    return std::make_unique<ServerFixture>(std::move(args), schema_->conninfo(), "");
  }

  bool TableExists(const std::string& table) {
    return QueryInt(schema_->admin(),
                    "SELECT count(*) FROM information_schema.tables "
                    "WHERE table_schema = $1 AND table_name = $2",
                    Params().Text(schema_->name()).Text(table))
               .value_or(-1) == 1;
  }

  // Sessions the servers under test hold now (they connect with the schema's name as
  // application_name; the test's own sessions do not).
  int64_t ServerSessions() {
    return QueryInt(schema_->admin(),
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1",
                    Params().Text(schema_->name()))
        .value_or(-1);
  }

  std::unique_ptr<PostgresTestSchema> schema_;
};

TEST_F(PostgresOptionsTest, NoMigrateRefusesAnUnmigratedDatabaseUntilMigrateRuns) {
  auto server = Server({"--no-migrate"});
  core::Status refused = server->Start();
  ASSERT_FALSE(refused.ok()) << "served on a database without its schema";
  EXPECT_THAT(refused.message(), HasSubstr("exited with 1"));
  EXPECT_THAT(refused.message(), HasSubstr("is older than this backbeat needs"));
  EXPECT_THAT(refused.message(), HasSubstr("backbeat migrate"));
  EXPECT_FALSE(TableExists("schema_migrations")) << "--no-migrate changed the database";
  EXPECT_FALSE(TableExists("tasks"));

  ProcessResult migrated = server->Admin({"migrate"});
  ASSERT_EQ(migrated.exit_code, 0) << migrated.err;
  EXPECT_TRUE(TableExists("tasks"));
  EXPECT_GE(QueryInt(schema_->admin(),
                     "SELECT max(version) FROM " + schema_->name() + ".schema_migrations")
                .value_or(0),
            1);

  core::Status started = server->Start();
  ASSERT_TRUE(started.ok()) << started.message();
  EXPECT_EQ(PostTask(*server, server->admin_key(), "after migrate").status, 200);
  EXPECT_EQ(server->Stop(), 0);
}

TEST_F(PostgresOptionsTest, ServeMigratesByDefaultAndMigrateThenIsANoOp) {
  auto server = Server({});
  core::Status started = server->Start();
  ASSERT_TRUE(started.ok()) << started.message();
  EXPECT_TRUE(TableExists("tasks"));
  ProcessResult again = server->Admin({"migrate"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  // Migrating beside a live node changes nothing it relies on.
  EXPECT_EQ(PostTask(*server, server->admin_key(), "still serving").status, 200);
  EXPECT_EQ(server->Stop(), 0);
}

// A node on PostgreSQL keeps time by the server's clock and reports the offset; the test
// cluster runs on this machine, so the offset is small (and is a number).
TEST_F(PostgresOptionsTest, ANodeReportsItsSkewFromTheDatabaseClock) {
  auto server = Server({});
  core::Status started = server->Start();
  ASSERT_TRUE(started.ok()) << started.message();
  auto r = server->Call("GET", "/metrics");
  ASSERT_TRUE(r.ok());
  const std::string key = "\nbackbeat_clock_skew_seconds ";
  size_t at = r->body.find(key);
  ASSERT_NE(at, std::string::npos) << r->body;
  const double skew = std::stod(r->body.substr(at + key.size()));
  EXPECT_LT(std::abs(skew), 2.0) << skew;
  EXPECT_EQ(server->Stop(), 0);
}

TEST_F(PostgresOptionsTest, NodesStartingTogetherOnAnEmptyDatabaseAllServe) {
  // Every node finds no account and sets out to create the first admin; one must win and the
  // others go on serving with what it created.
  constexpr int kNodes = 3;
  std::vector<std::unique_ptr<ServerFixture>> nodes;
  nodes.push_back(Server({}));
  const std::string secret = nodes[0]->dir() + "/backbeat.secret";
  for (int i = 1; i < kNodes; ++i) {
    nodes.push_back(
        std::make_unique<ServerFixture>(std::vector<std::string>{}, schema_->conninfo(), secret));
  }
  std::vector<core::Status> started(kNodes);
  std::vector<std::thread> starters;
  for (int i = 0; i < kNodes; ++i) {
    starters.emplace_back([&, i] { started[i] = nodes[i]->Start(); });
  }
  for (std::thread& t : starters) t.join();
  std::string key;
  for (int i = 0; i < kNodes; ++i) {
    EXPECT_TRUE(started[i].ok()) << "node " << i << ": " << started[i].message();
    if (!nodes[i]->admin_key().empty()) {
      EXPECT_TRUE(key.empty()) << "two nodes wrote a first admin key";
      key = nodes[i]->admin_key();
    }
  }
  ASSERT_FALSE(key.empty()) << "no node wrote the first admin key";
  EXPECT_EQ(QueryInt(schema_->admin(), "SELECT count(*) FROM " + schema_->name() + ".accounts"), 1);
  for (int i = 0; i < kNodes; ++i) {
    if (!nodes[i]->running()) continue;
    EXPECT_EQ(PostTask(*nodes[i], key, "node " + std::to_string(i)).status, 200) << "node " << i;
    EXPECT_EQ(nodes[i]->Stop(), 0);
  }
}

TEST_F(PostgresOptionsTest, PoolSizeBoundsTheSessionsOfANode) {
  // Eight request workers and the scheduler's threads, all wanting a connection at once.
  auto server = Server({"--db-pool-size", "2", "--workers", "8"});
  core::Status started = server->Start();
  ASSERT_TRUE(started.ok()) << started.message();
  std::atomic<int> failed{0};
  std::atomic<int64_t> most_sessions{0};
  std::atomic<bool> done{false};
  std::thread watcher([&] {
    auto c = Connection::Open(*storage::testing::PostgresTestUrl(), milliseconds(30000));
    if (!c.ok()) return;
    while (!done.load()) {
      auto rows = (*c)->Exec("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1",
                             Params().Text(schema_->name()));
      if (rows.ok()) most_sessions.store(std::max(most_sessions.load(), rows->Int(0, 0)));
      std::this_thread::sleep_for(milliseconds(2));
    }
  });
  std::vector<std::thread> clients;
  for (int t = 0; t < 8; ++t) {
    clients.emplace_back([&, t] {
      for (int i = 0; i < 15; ++i) {
        ApiResponse r = PostTask(*server, server->admin_key(), "t" + std::to_string(t));
        if (r.status != 200) ++failed;
        if (CallApi(*server, "GET", "/api/tasks", server->admin_key()).status != 200) ++failed;
      }
    });
  }
  for (std::thread& c : clients) c.join();
  done = true;
  watcher.join();
  EXPECT_EQ(failed.load(), 0) << "requests beyond the pool must wait, not fail";
  EXPECT_GE(most_sessions.load(), 1);
  EXPECT_LE(most_sessions.load(), 2);
  EXPECT_LE(ServerSessions(), 2);
  EXPECT_EQ(server->Stop(), 0);
  // A backend leaves pg_stat_activity a moment after its client closed the session.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (ServerSessions() != 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_EQ(ServerSessions(), 0) << "a clean stop closes every session";
}

TEST_F(PostgresOptionsTest, StatementTimeoutTurnsABlockedWriteInto503) {
  auto server = Server({"--db-statement-timeout", "1", "--no-scheduler"});
  core::Status started = server->Start();
  ASSERT_TRUE(started.ok()) << started.message();
  ASSERT_EQ(PostTask(*server, server->admin_key(), "before").status, 200);

  // Another session holds the tasks table: inserts wait for the lock until the server's
  // statement timeout cancels them.
  Connection& locker = schema_->admin();
  ASSERT_TRUE(
      locker.ExecScript("BEGIN; LOCK TABLE " + schema_->name() + ".tasks IN ACCESS EXCLUSIVE MODE")
          .ok());
  const auto t0 = std::chrono::steady_clock::now();
  ApiResponse blocked = PostTask(*server, server->admin_key(), "blocked");
  const auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_TRUE(locker.ExecScript("ROLLBACK").ok());
  EXPECT_EQ(blocked.status, 503) << blocked.http.body;
  ASSERT_NE(blocked.http.Header("retry-after"), nullptr);
  EXPECT_EQ(*blocked.http.Header("retry-after"), "1");
  // One second, not the default five (a little slack for a busy machine).
  EXPECT_GE(took, milliseconds(900));
  EXPECT_LT(took, milliseconds(4000));

  EXPECT_EQ(PostTask(*server, server->admin_key(), "after").status, 200);
  EXPECT_EQ(QueryInt(schema_->admin(), "SELECT count(*) FROM " + schema_->name() + ".tasks"), 2);
  EXPECT_EQ(server->Stop(), 0);
}

}  // namespace
}  // namespace backbeat::testing
