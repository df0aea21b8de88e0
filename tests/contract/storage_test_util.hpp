#pragma once

#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>

#include "backbeat/core/account/account.hpp"
#include "backbeat/core/task/run.hpp"
#include "backbeat/core/task/task.hpp"

// Values and fixtures shared by the storage contract suite and the backend-specific tests.
namespace backbeat::storage::testing {

// A fresh directory under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "backbeat-store-XXXXXX");
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  bool ok() const { return !path_.empty(); }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline core::Millis Ms(int64_t ms) { return core::Millis{std::chrono::milliseconds{ms}}; }
inline core::Instant Sec(int64_t s) { return core::Instant{std::chrono::seconds{s}}; }

// A lowercase UUID made from a number and a tag digit, so tests can name many distinct ids.
inline std::string Uuid(int n, int tag = 0) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-0000-4000-8%03x-%012x", tag, tag & 0xfff, n);
  return buf;
}

// A task with every field set to a non-default value.
inline core::Task FullTask(const std::string& id, const std::string& account, int64_t created_ms) {
  core::Task t;
  t.id = id;
  t.account_id = account;
  t.artist_account_id = Uuid(7, 0xa);
  t.title = "Weekly digest";
  t.prompt = "Summarise the week's streams";
  t.schedule = "0 9 * * MON";
  t.timezone = "America/New_York";
  t.model = "gpt-4o-mini";
  t.enabled = true;
  t.overlap = core::Overlap::kQueue;
  t.catchup = core::Catchup::kAll;
  t.catchup_window_seconds = 7200;
  t.max_attempts = 5;
  t.timeout_seconds = 120;
  t.created_at = Ms(created_ms);
  t.updated_at = Ms(created_ms + 1234);
  t.next_slot = Sec(1774602000);
  return t;
}

// A run with every optional field present, an error and two attempts.
inline core::Run FullRun(const std::string& id, const std::string& task_id,
                         const std::string& account, int64_t created_ms) {
  core::Run r;
  r.id = id;
  r.task_id = task_id;
  r.account_id = account;
  r.artist_account_id = Uuid(7, 0xa);
  r.status = core::RunStatus::kFailed;
  r.slot = Sec(1774602000 + created_ms);
  r.idempotency_key = task_id + ":2026-03-27T09:00:00.000Z";
  r.is_test = true;
  r.created_at = Ms(created_ms);
  r.updated_at = Ms(created_ms + 10);
  r.started_at = Ms(created_ms + 20);
  r.finished_at = Ms(created_ms + 30);
  r.delayed_until = Ms(created_ms + 40);
  r.expired_at = Ms(created_ms + 50);
  r.ttl_seconds = 600;
  r.cost_in_cents = 0.1 + 0.2;  // Not exactly representable in decimal: must round-trip bits.
  r.base_cost_in_cents = 1e-300;
  r.duration_ms = 987654321;
  r.payload_json = R"({"timestamp":"2026-03-27T09:00:00.000Z","type":"DECLARATIVE"})";
  r.output_json = R"({"text":"done"})";
  r.error = core::RunError{"boom", "TimeoutError", "at line 1\nat line 2"};
  core::RunAttempt first;
  first.id = "attempt_1";
  first.status = "FAILED";
  first.created_at = Ms(created_ms + 1);
  first.updated_at = Ms(created_ms + 2);
  first.started_at = Ms(created_ms + 3);
  first.completed_at = Ms(created_ms + 4);
  first.error = core::RunError{"first", "Error", ""};
  core::RunAttempt second;
  second.id = "attempt_2";
  second.status = "EXECUTING";
  second.created_at = Ms(created_ms + 5);
  second.updated_at = Ms(created_ms + 6);
  r.attempts = {first, second};
  r.schedule_expression = "0 9 * * MON";
  r.timezone = "Europe/Paris";
  r.max_attempts = 7;
  r.timeout_seconds = 90;
  r.exclusive = true;
  r.lease_owner = "node-a";
  r.lease_expires_at = Ms(created_ms + 60);
  return r;
}

}  // namespace backbeat::storage::testing
