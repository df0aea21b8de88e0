#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tests/e2e/server_fixture.hpp"

namespace backbeat::testing {

// An artist id for bodies that need one (any valid UUID will do: artists are not checked).
inline constexpr std::string_view kArtist = "123e4567-e89b-42d3-a456-426614174000";
inline constexpr std::string_view kOtherArtist = "5f0c8a2e-1b3d-4c5e-9f70-8a9b0c1d2e3f";

// The keys of a Task object, in API.md section 3 order, then backbeat's schedule_description.
inline const std::vector<std::string>& TaskKeys() {
  static const std::vector<std::string> keys = {"id",
                                                "title",
                                                "prompt",
                                                "schedule",
                                                "timezone",
                                                "account_id",
                                                "artist_account_id",
                                                "enabled",
                                                "model",
                                                "trigger_schedule_id",
                                                "created_at",
                                                "updated_at",
                                                "recent_runs",
                                                "upcoming",
                                                "owner_email",
                                                "overlap",
                                                "catchup",
                                                "catchup_window_seconds",
                                                "max_attempts",
                                                "timeout_seconds",
                                                "schedule_description"};
  return keys;
}

inline std::vector<std::string> KeysOf(const boost::json::value& v) {
  std::vector<std::string> keys;
  if (!v.is_object()) return keys;
  for (const auto& kv : v.as_object()) keys.emplace_back(kv.key());
  return keys;
}

// A valid create body with the required fields, plus `extra` members (which replace defaults).
inline std::string CreateBody(boost::json::object extra = {}, std::string_view title = "title") {
  boost::json::object body = {{"title", title},
                              {"prompt", "prompt"},
                              {"schedule", "0 9 * * *"},
                              {"artist_account_id", kArtist}};
  for (auto& kv : extra) body[kv.key()] = kv.value();
  return boost::json::serialize(body);
}

// Base for tests that talk to one server started per test. Helpers report transport failures as
// test failures and return the parsed answer.
class E2eTest : public ::testing::Test {
 protected:
  // Flags for this test's server; override to change them.
  virtual std::vector<std::string> ServerArgs() const { return {}; }

  void SetUp() override {
    server_ = std::make_unique<ServerFixture>(ServerArgs());
    core::Status s = server_->Start();
    ASSERT_TRUE(s.ok()) << s.message();
    admin_key_ = server_->admin_key();
    ASSERT_FALSE(admin_key_.empty());
  }

  ApiResponse Api(std::string_view method, std::string_view target, std::string_view body = {},
                  const std::string& key = {}, HeaderList headers = {}) {
    ApiResponse r =
        CallApi(*server_, method, target, key.empty() ? admin_key_ : key, body, std::move(headers));
    EXPECT_NE(r.status, 0) << method << " " << target << ": " << r.http.body;
    return r;
  }

  // POST /api/tasks that must succeed; the created task.
  boost::json::object CreateTask(boost::json::object extra = {}, const std::string& key = {},
                                 std::string_view title = "title") {
    ApiResponse r = Api("POST", "/api/tasks", CreateBody(std::move(extra), title), key);
    EXPECT_EQ(r.status, 200) << r.http.body;
    if (r.status != 200) return {};
    return r.json.at("tasks").at(0).as_object();
  }

  // GET /api/tasks?... that must succeed; the tasks.
  boost::json::array ListTasks(std::string_view query = "", const std::string& key = {}) {
    std::string target = "/api/tasks";
    if (!query.empty()) target += "?" + std::string(query);
    ApiResponse r = Api("GET", target, {}, key);
    EXPECT_EQ(r.status, 200) << target << ": " << r.http.body;
    if (r.status != 200) return {};
    return r.json.at("tasks").as_array();
  }

  std::unique_ptr<ServerFixture> server_;
  std::string admin_key_;
};

}  // namespace backbeat::testing
