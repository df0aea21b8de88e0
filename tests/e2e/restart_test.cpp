// Durability through a crash: every create the server acknowledged survives a SIGKILL that
// lands while other creates are still in flight, and comes back identical after a restart.

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/e2e_test.hpp"

namespace backbeat::testing {
namespace {

namespace json = boost::json;

class RestartTest : public E2eTest {};

// Without `upcoming`, which is computed at read time from the schedule and the clock.
json::object Stored(json::object task) {
  task.erase("upcoming");
  return task;
}

TEST_F(RestartTest, AcknowledgedCreatesSurviveSigkill) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 25;  // 200 creates in all
  std::random_device seed_source;
  const unsigned seed = seed_source();
  std::mt19937 rng(seed);
  // Kill after this many acknowledgements: always some done, always some still to come.
  const int kill_after = std::uniform_int_distribution<int>(20, 150)(rng);
  SCOPED_TRACE("seed " + std::to_string(seed) + ", kill after " + std::to_string(kill_after));

  std::mutex mu;
  std::map<std::string, json::object> acknowledged;  // id -> task as answered; guarded by mu
  std::map<std::string, std::string> sent;           // title -> prompt of every attempt
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) {
      const std::string title = "t-" + std::to_string(t) + "-" + std::to_string(i);
      sent[title] = "prompt for " + title + " " + std::string(200 + i * 10, 'x');
    }
  }
  std::atomic<int> acks{0};
  std::atomic<int> failures{0};
  const std::string key = admin_key_;
  const uint16_t port = server_->port();

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      HttpClient client;
      if (!client.Connect("127.0.0.1", port).ok()) {
        ++failures;
        return;
      }
      for (int i = 0; i < kPerThread; ++i) {
        const std::string title = "t-" + std::to_string(t) + "-" + std::to_string(i);
        const std::string body = CreateBody({{"prompt", sent.at(title)},
                                             {"timezone", i % 2 == 0 ? "Europe/Paris" : "UTC"},
                                             {"max_attempts", 1 + i % 10},
                                             {"enabled", i % 3 != 0}},
                                            title);
        auto r = client.RoundTrip("POST", "/api/tasks", body,
                                  {{"Content-Type", "application/json"}, {"x-api-key", key}});
        // The server is gone (or the answer was cut): stop, this create is unacknowledged.
        if (!r.ok() || r->status != 200) {
          ++failures;
          return;
        }
        json::value v = ParseJson(r->body);
        json::object task = v.at("tasks").at(0).as_object();
        {
          std::lock_guard<std::mutex> lock(mu);
          acknowledged[std::string(task.at("id").as_string())] = std::move(task);
        }
        ++acks;
      }
    });
  }
  while (acks.load() < kill_after && failures.load() == 0) {
    std::this_thread::yield();
  }
  server_->Kill();
  for (std::thread& th : threads) th.join();
  ASSERT_GE(acks.load(), kill_after) << "creates failed before the kill";
  EXPECT_LT(acks.load(), kThreads * kPerThread) << "the kill came after every create";

  ASSERT_TRUE(server_->Restart().ok());
  ASSERT_EQ(Api("GET", "/api/tasks").status, 200) << "the admin key no longer works";
  std::map<std::string, json::object> found;
  for (const json::value& t : ListTasks("limit=1000")) {
    found[std::string(t.at("id").as_string())] = t.as_object();
  }
  // Every acknowledged task is there, identical.
  for (const auto& [id, task] : acknowledged) {
    auto it = found.find(id);
    ASSERT_NE(it, found.end()) << "acknowledged task " << id << " lost";
    EXPECT_EQ(Stored(it->second), Stored(task)) << id;
    EXPECT_EQ(it->second.at("upcoming").as_array().size(), task.at("enabled").as_bool() ? 5u : 0u);
  }
  // Whatever else is there is one of the in-flight creates, whole.
  EXPECT_LE(found.size(), acknowledged.size() + kThreads);
  std::set<std::string> titles;
  for (const auto& [id, task] : found) {
    const std::string title(task.at("title").as_string());
    ASSERT_TRUE(sent.contains(title)) << "unexpected task " << title;
    EXPECT_EQ(task.at("prompt"), json::value(sent.at(title))) << title;
    EXPECT_TRUE(titles.insert(title).second) << "created twice: " << title;
  }

  // The restarted server is fully usable.
  json::object after = CreateTask({}, {}, "after restart");
  ASSERT_FALSE(after.empty());
  EXPECT_EQ(ListTasks("limit=1000").size(), found.size() + 1);
  EXPECT_EQ(server_->Stop(), 0);
}

// The key the first start writes to admin.key is the operator's only way in: it must keep
// working after the server restarts.
TEST_F(RestartTest, FirstStartAdminKeyWorksAfterRestart) {
  ASSERT_EQ(Api("GET", "/api/tasks").status, 200);
  EXPECT_EQ(server_->Stop(), 0);
  ASSERT_TRUE(server_->Start().ok());
  ApiResponse r = Api("GET", "/api/tasks");
  EXPECT_EQ(r.status, 200) << r.http.body;
}

TEST_F(RestartTest, GracefulRestartKeepsTasksAndTheAdminKey) {
  json::object task = CreateTask({{"timezone", "us/eastern"}});
  const std::string key = admin_key_;
  EXPECT_EQ(server_->Stop(), 0);
  ASSERT_TRUE(server_->Start().ok());
  EXPECT_EQ(server_->admin_key(), key);
  json::array tasks = ListTasks();
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(Stored(tasks.at(0).as_object()), Stored(task));
  // The first start's bootstrap does not run again.
  int bootstraps = 0;
  for (const json::value& line : server_->LogLines()) {
    if (line.is_object() && line.at("msg").as_string().starts_with("created the admin")) {
      ++bootstraps;
    }
  }
  EXPECT_EQ(bootstraps, 1);
}

}  // namespace
}  // namespace backbeat::testing
