// The PostgreSQL server goes away and comes back under a node that keeps serving: clients POST
// tasks without pause while the test stops the server (pg_ctl stop -m fast), keeps it down for
// a while and starts it again. Every request must be answered: 200, or 503 with Retry-After
// while the database is unreachable. The node must recover by itself (same process, no
// restart), and every task whose POST was acknowledged must exist afterwards.
//
// Needs BACKBEAT_TEST_POSTGRES and BACKBEAT_TEST_POSTGRES_CTL (tests/pg/with-postgres.sh sets
// both); skips otherwise. It restarts the shared test cluster, so ctest runs it alone
// (RUN_SERIAL).

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/e2e_test.hpp"
#include "tests/e2e/postgres_e2e.hpp"
#include "tests/e2e/subprocess.hpp"

namespace backbeat::testing {
namespace {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

constexpr int kClients = 2;
constexpr milliseconds kOutage{2000};
constexpr milliseconds kRecoveryBound{15000};

// One answer a client got, and when.
struct Answer {
  int status = 0;
  std::string task_id;  // when 200
  bool retry_after = false;
  SteadyClock::time_point sent;
  SteadyClock::time_point answered;
  std::string body;
};

class PostgresRestartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    BACKBEAT_REQUIRE_POSTGRES();
    const char* ctl = getenv("BACKBEAT_TEST_POSTGRES_CTL");
    if (ctl == nullptr || *ctl == '\0') {
      GTEST_SKIP() << "BACKBEAT_TEST_POSTGRES_CTL is not set (run under tests/pg/with-postgres.sh)";
    }
    ctl_ = ctl;
    schema_ = NewTestSchema();
    ASSERT_NE(schema_, nullptr);
  }

  void TearDown() override {
    if (schema_ == nullptr) return;
    // The schema's own admin session died with the restart: drop it over a new one.
    auto c = Connection::Open(*storage::testing::PostgresTestUrl(), milliseconds(30000));
    if (c.ok()) (void)(*c)->ExecScript("DROP SCHEMA IF EXISTS " + schema_->name() + " CASCADE");
  }

  ProcessResult Ctl(std::vector<std::string> args) {
    args.insert(args.begin(), ctl_);
    return RunProcess(args);
  }

  std::string ctl_;
  std::unique_ptr<PostgresTestSchema> schema_;
};

TEST_F(PostgresRestartTest, RequestsDuringAnOutageAnswer503AndEveryAcknowledgedTaskSurvives) {
  ServerFixture server({}, schema_->conninfo(), "");
  core::Status started = server.Start();
  ASSERT_TRUE(started.ok()) << started.message();
  const pid_t pid = server.pid();
  const std::string key = server.admin_key();

  std::mutex mu;
  std::vector<Answer> answers;  // guarded by mu
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; !stop.load(); ++i) {
        Answer a;
        a.sent = SteadyClock::now();
        ApiResponse r =
            CallApi(server, "POST", "/api/tasks", key,
                    CreateBody({}, "restart " + std::to_string(c) + "-" + std::to_string(i)));
        a.answered = SteadyClock::now();
        a.status = r.status;
        a.retry_after = r.http.Header("retry-after") != nullptr;
        if (r.status == 200) {
          a.task_id = std::string(r.json.at("tasks").at(0).at("id").as_string());
        } else {
          a.body = r.http.body;
          // Clients of a 503 wait a little, as Retry-After asks (shorter, to probe the outage).
          std::this_thread::sleep_for(milliseconds(20));
        }
        std::lock_guard lock(mu);
        answers.push_back(std::move(a));
      }
    });
  }
  auto count_ok_after = [&](SteadyClock::time_point t) {
    std::lock_guard lock(mu);
    int n = 0;
    for (const Answer& a : answers) n += a.status == 200 && a.sent > t;
    return n;
  };

  // Traffic first, then the outage.
  std::this_thread::sleep_for(milliseconds(1000));
  const auto stopping = SteadyClock::now();
  ProcessResult stopped = Ctl({"stop", "-m", "fast", "-w", "-t", "60"});
  const auto down = SteadyClock::now();
  EXPECT_EQ(stopped.exit_code, 0) << stopped.out << stopped.err;
  std::this_thread::sleep_for(kOutage);
  const auto starting = SteadyClock::now();
  ProcessResult restarted = Ctl({"start", "-w", "-t", "60"});
  const auto up = SteadyClock::now();
  ASSERT_EQ(restarted.exit_code, 0) << restarted.out << restarted.err;

  // The node recovers by itself: a few acknowledged writes after the server is back.
  while (count_ok_after(up) < 20 && SteadyClock::now() - up < kRecoveryBound) {
    std::this_thread::sleep_for(milliseconds(50));
  }
  const auto recovered_by = SteadyClock::now();
  stop = true;
  for (std::thread& t : clients) t.join();

  EXPECT_TRUE(server.running());
  EXPECT_EQ(server.pid(), pid) << "the node was restarted";
  EXPECT_GE(count_ok_after(up), 20) << "no recovery within " << kRecoveryBound.count() << " ms";
  EXPECT_EQ(CallApi(server, "GET", "/readyz", "").status, 200);

  std::vector<std::string> acknowledged;
  int ok_before = 0;
  int unavailable_while_down = 0;
  int64_t first_ok_after_up_ms = -1;
  std::map<int, int> by_status;
  for (const Answer& a : answers) {
    ++by_status[a.status];
    if (a.status == 200) {
      acknowledged.push_back(a.task_id);
      ok_before += a.answered < stopping;
      const int64_t after_up = std::chrono::duration_cast<milliseconds>(a.answered - up).count();
      if (a.sent > up && (first_ok_after_up_ms < 0 || after_up < first_ok_after_up_ms)) {
        first_ok_after_up_ms = after_up;
      }
      continue;
    }
    // Anything but success is 503 with Retry-After: no 500, no dropped connection.
    EXPECT_EQ(a.status, 503) << a.body;
    EXPECT_TRUE(a.retry_after) << "a 503 without Retry-After: " << a.body;
    unavailable_while_down += a.status == 503 && a.sent > down && a.answered < starting;
  }
  EXPECT_GT(ok_before, 0);
  EXPECT_GT(unavailable_while_down, 0) << "no request was refused while PostgreSQL was down";

  // Every acknowledged task is in the database.
  auto db = Connection::Open(schema_->conninfo(), milliseconds(30000));
  ASSERT_TRUE(db.ok()) << db.status().message();
  core::Result<Rows> found = (*db)->Exec("SELECT count(*) FROM tasks WHERE id = ANY($1::text[])",
                                         Params().TextArray(acknowledged));
  ASSERT_TRUE(found.ok()) << found.status().message();
  EXPECT_EQ(found->Int(0, 0), static_cast<int64_t>(acknowledged.size()))
      << "acknowledged tasks lost across the restart";

  EXPECT_EQ(server.Stop(), 0);
  for (const boost::json::value& line : server.LogLines()) {
    EXPECT_TRUE(line.is_object()) << "not a JSON log line: " << boost::json::serialize(line);
  }

  const auto ms = [](SteadyClock::duration d) {
    return std::chrono::duration_cast<milliseconds>(d).count();
  };
  for (const auto& [status, n] : by_status) {
    RecordProperty("answers_" + std::to_string(status), n);
    std::cout << "[ restart  ] answers " << status << " = " << n << "\n";
  }
  std::cout << "[ restart  ] acknowledged = " << acknowledged.size()
            << ", 503 while down = " << unavailable_while_down << ", stop took "
            << ms(down - stopping) << " ms, start took " << ms(up - starting)
            << " ms, first 200 after start " << first_ok_after_up_ms << " ms, recovered check "
            << ms(recovered_by - up) << " ms\n";
}

}  // namespace
}  // namespace backbeat::testing
