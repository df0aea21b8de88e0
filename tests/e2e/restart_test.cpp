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

// Every kind of write (create, rename, disable, delete, trigger) from eight connections while
// SIGKILL lands in the middle of group commits, five times over: after each restart, every
// acknowledged write is there, and a write in flight at the kill is either wholly there or not
// at all.
TEST_F(RestartTest, EveryKindOfAcknowledgedWriteSurvivesRepeatedSigkills) {
  constexpr int kThreads = 8;
  constexpr int kRounds = 5;
  std::random_device seed_source;
  const unsigned seed = seed_source();
  std::mt19937 rng(seed);
  SCOPED_TRACE("seed " + std::to_string(seed));

  // What each task must look like: its title and enabled flag, or absent. For a task whose
  // write was in flight at the kill, the alt_ fields hold the state that write would have made:
  // both are acceptable.
  struct Task {
    bool exists = true;
    std::string title;
    bool enabled = true;
    bool uncertain = false;  // a write to it was in flight at the kill
    bool alt_exists = true;
    std::string alt_title;
    bool alt_enabled = true;
  };
  std::vector<std::map<std::string, Task>> tasks(kThreads);  // per thread: id -> state
  std::vector<std::vector<std::string>> runs(kThreads);      // acknowledged trigger run ids
  int total_acks = 0;

  for (int round = 0; round < kRounds; ++round) {
    const int kill_after = std::uniform_int_distribution<int>(30, 120)(rng);
    std::atomic<int> acks{0};
    std::atomic<bool> stop{false};
    std::atomic<int> running{kThreads};
    const std::string key = admin_key_;
    const uint16_t port = server_->port();
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t, round] {
        struct Done {
          std::atomic<int>& running;
          ~Done() { --running; }
        } done{running};
        std::mt19937 local(seed + static_cast<unsigned>(round * 100 + t));
        HttpClient client;
        if (!client.Connect("127.0.0.1", port).ok()) return;
        const HeaderList headers = {{"Content-Type", "application/json"}, {"x-api-key", key}};
        for (int i = 0; !stop.load(); ++i) {
          std::map<std::string, Task>& mine = tasks[t];
          std::vector<std::string> live;
          for (const auto& [id, task] : mine) {
            if (task.exists && !task.uncertain) live.push_back(id);
          }
          const int op = live.empty() ? 0 : std::uniform_int_distribution<int>(0, 4)(local);
          const std::string target =
              live.empty() ? std::string()
                           : live[std::uniform_int_distribution<size_t>(0, live.size() - 1)(local)];
          const std::string title =
              "r" + std::to_string(round) + "-t" + std::to_string(t) + "-" + std::to_string(i);
          std::string method = "POST", path = "/api/tasks", body;
          if (op == 0) {
            body = CreateBody({{"overlap", "allow"}}, title);
          } else if (op == 1) {
            method = "PATCH";
            body = json::serialize(json::object{{"id", target}, {"title", title}});
          } else if (op == 2) {
            method = "PATCH";
            body = json::serialize(
                json::object{{"id", target}, {"enabled", !mine.at(target).enabled}});
          } else if (op == 3) {
            method = "DELETE";
            body = json::serialize(json::object{{"id", target}});
          } else {
            path = "/api/tasks/trigger";
            body = json::serialize(json::object{{"id", target}});
          }
          // What the task looks like if this write lands.
          Task after = op == 0 ? Task{} : mine.at(target);
          if (op == 0) after.title = title;
          if (op == 1) after.title = title;
          if (op == 2) after.enabled = !after.enabled;
          if (op == 3) after.exists = false;
          auto r = client.RoundTrip(method, path, body, headers);
          if (!r.ok() || r->status != 200) {
            // Cut off by the kill: this write may or may not have landed.
            if (op != 0 && op != 4) {
              Task& task = mine.at(target);
              task.uncertain = true;
              task.alt_exists = after.exists;
              task.alt_title = after.title;
              task.alt_enabled = after.enabled;
            }
            return;
          }
          json::value v = ParseJson(r->body);
          if (op == 0) {
            mine[std::string(v.at("tasks").at(0).at("id").as_string())] = after;
          } else if (op == 4) {
            runs[t].emplace_back(v.at("runs").at(0).at("id").as_string());
          } else {
            mine[target] = after;
          }
          ++acks;
        }
      });
    }
    while (acks.load() < kill_after && running.load() > 0) std::this_thread::yield();
    ASSERT_GE(acks.load(), kill_after) << "writes failed before the kill: " << server_->ReadLog();
    server_->Kill();
    stop = true;
    for (std::thread& th : threads) th.join();
    total_acks += acks.load();
    ASSERT_TRUE(server_->Restart().ok()) << server_->ReadLog();

    // Check every task each thread has written, then settle the uncertain ones as found.
    std::map<std::string, json::object> found;
    for (std::string cursor; true;) {
      ApiResponse page = Api(
          "GET", "/api/tasks?limit=100" + (cursor.empty() ? "" : "&cursor=" + UrlEncode(cursor)));
      ASSERT_EQ(page.status, 200) << page.http.body;
      for (const json::value& t : page.json.at("tasks").as_array()) {
        found[std::string(t.at("id").as_string())] = t.as_object();
      }
      if (!page.json.at("next_cursor").is_string()) break;
      cursor = std::string(page.json.at("next_cursor").as_string());
    }
    size_t expected_live = 0;
    for (int t = 0; t < kThreads; ++t) {
      for (auto& [id, task] : tasks[t]) {
        auto it = found.find(id);
        auto matches = [&](bool exists, const std::string& title, bool enabled) {
          if (!exists) return it == found.end();
          return it != found.end() && it->second.at("title") == json::value(title) &&
                 it->second.at("enabled").as_bool() == enabled;
        };
        const bool before = matches(task.exists, task.title, task.enabled);
        if (task.uncertain) {
          const bool landed = matches(task.alt_exists, task.alt_title, task.alt_enabled);
          EXPECT_TRUE(before || landed) << "task " << id << " is neither before nor after its "
                                        << "in-flight write (round " << round << ")";
          if (landed && !before) {
            task.exists = task.alt_exists;
            task.title = task.alt_title;
            task.enabled = task.alt_enabled;
          }
          task.uncertain = false;
        } else {
          EXPECT_TRUE(before) << "acknowledged state of task " << id << " lost (round " << round
                              << "): expected " << (task.exists ? task.title : "deleted");
        }
        expected_live += task.exists;
      }
    }
    // Beyond them, at most one in-flight create per thread.
    EXPECT_LE(found.size(), expected_live + kThreads) << "round " << round;
    // Acknowledged triggers: their runs exist.
    for (int t = 0; t < kThreads; ++t) {
      for (const std::string& run : runs[t]) {
        ApiResponse r = Api("GET", "/api/tasks/runs?runId=" + run);
        EXPECT_EQ(r.status, 200) << "acknowledged run " << run << " lost: " << r.http.body;
      }
    }
    if (HasFailure()) break;
    // Tasks made by creates whose answer never came are adopted as they are, so the next round
    // can start from what is there.
    for (const auto& [id, task] : found) {
      bool known = false;
      for (int t = 0; t < kThreads && !known; ++t) known = tasks[t].contains(id);
      if (!known) {
        Task adopted;
        adopted.title = std::string(task.at("title").as_string());
        adopted.enabled = task.at("enabled").as_bool();
        tasks[0][id] = adopted;
      }
    }
  }
  EXPECT_GT(total_acks, kRounds * 30);
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
