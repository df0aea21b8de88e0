#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backbeat/core/task/task.hpp"
#include "backbeat/core/time/instant.hpp"

namespace backbeat::core {

// Run statuses (API.md section 5, the seed's enum).
enum class RunStatus {
  kQueued,
  kDelayed,
  kExecuting,
  kReattempting,
  kCompleted,
  kFailed,
  kCanceled,
  kCrashed,
  kInterrupted,
  kSystemFailure,
};

std::string_view RunStatusName(RunStatus s);  // "QUEUED", ...
std::optional<RunStatus> ParseRunStatus(std::string_view s);
// COMPLETED, FAILED, CANCELED, CRASHED, INTERRUPTED, SYSTEM_FAILURE.
bool IsFinal(RunStatus s);
// QUEUED, DELAYED, EXECUTING, REATTEMPTING: the run still counts for overlap.
inline bool IsActive(RunStatus s) { return !IsFinal(s); }

struct RunError {
  std::string message;
  std::string name;
  std::string stack_trace;
  friend bool operator==(const RunError&, const RunError&) = default;
};

struct RunAttempt {
  std::string id;      // "attempt_" + token
  std::string status;  // PENDING, EXECUTING, COMPLETED, FAILED, CANCELED
  Millis created_at{};
  Millis updated_at{};
  std::optional<Millis> started_at;
  std::optional<Millis> completed_at;
  std::optional<RunError> error;
  friend bool operator==(const RunAttempt&, const RunAttempt&) = default;
};

// One execution of a task for one slot (or one manual trigger). A plain value.
struct Run {
  std::string id;  // "run_" + 24 of [0-9a-z]
  std::string task_id;
  std::string account_id;
  std::string artist_account_id;
  RunStatus status = RunStatus::kQueued;
  std::optional<Instant> slot;  // nominal slot; nullopt for trigger-now runs
  std::optional<std::string> idempotency_key;
  bool is_test = false;
  Millis created_at{};
  Millis updated_at{};
  std::optional<Millis> started_at;
  std::optional<Millis> finished_at;
  std::optional<Millis> delayed_until;
  std::optional<Millis> expired_at;
  std::optional<int64_t> ttl_seconds;
  double cost_in_cents = 0;
  double base_cost_in_cents = 0;
  int64_t duration_ms = 0;
  // Detail-form documents, kept as JSON text: core does not interpret them.
  std::string payload_json = "{}";
  std::optional<std::string> output_json;
  std::optional<RunError> error;
  std::vector<RunAttempt> attempts;
  // The schedule as it was when the run was created (detail form's `schedule`).
  std::string schedule_expression;
  std::string timezone = "UTC";

  // Execution bookkeeping, not part of the API's run object. Copied from the task when the run
  // is created, so a later change to the task does not change a run already made.
  int max_attempts = kDefaultMaxAttempts;
  int timeout_seconds = kDefaultTimeoutSeconds;
  // Must not start while an older run of its task is still active (overlap "queue").
  bool exclusive = false;
  // While EXECUTING: the node holding the run and when its lease ends unless renewed.
  std::optional<std::string> lease_owner;
  std::optional<Millis> lease_expires_at;

  friend bool operator==(const Run&, const Run&) = default;
};

}  // namespace backbeat::core
