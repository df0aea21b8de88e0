#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "backbeat/core/task/run.hpp"
#include "backbeat/core/task/task.hpp"

namespace backbeat::service {

// Use-case inputs, already decoded and validated field by field by the transport (types,
// UUIDs, cron, zone, ranges): the service adds what needs state (scope, existence).
// Ids are lowercase; `timezone` is canonical; `schedule` parses.

struct CreateTaskInput {
  std::string title;
  std::string prompt;
  std::string schedule;
  std::string artist_account_id;
  std::optional<std::string> account_id;  // act for this account (scope-checked)
  std::optional<std::string> model;       // nullopt or null: the server default
  std::string timezone = "UTC";
  bool enabled = true;
  core::Overlap overlap = core::Overlap::kSkip;
  core::Catchup catchup = core::Catchup::kLatest;
  int64_t catchup_window_seconds = core::kDefaultCatchupWindowSeconds;
  int max_attempts = core::kDefaultMaxAttempts;
  int timeout_seconds = core::kDefaultTimeoutSeconds;
};

// PATCH: only present fields change. `model` present as null resets to the server default.
struct UpdateTaskInput {
  std::string id;
  std::optional<std::string> account_id;  // scope override only; never moves the task
  std::optional<std::string> title;
  std::optional<std::string> prompt;
  std::optional<std::string> schedule;
  std::optional<std::string> artist_account_id;
  std::optional<std::optional<std::string>> model;
  std::optional<std::string> timezone;
  std::optional<bool> enabled;
  std::optional<core::Overlap> overlap;
  std::optional<core::Catchup> catchup;
  std::optional<int64_t> catchup_window_seconds;
  std::optional<int> max_attempts;
  std::optional<int> timeout_seconds;
};

struct DeleteTaskInput {
  std::string id;
  std::optional<std::string> account_id;
};

struct ListTasksInput {
  std::optional<std::string> id;
  std::optional<std::string> account_id;
  std::optional<std::string> artist_account_id;
  std::optional<bool> enabled;
  size_t limit = 100;                 // 1..1000
  std::optional<std::string> cursor;  // opaque, from next_cursor
};

struct ListRunsInput {
  std::optional<std::string> run_id;  // detail form
  std::optional<std::string> account_id;
  std::optional<std::string> task_id;
  std::optional<core::RunStatus> status;
  size_t limit = 20;  // 1..100
  std::optional<std::string> cursor;
};

}  // namespace backbeat::service
