#include "backbeat/scheduler/run_lifecycle.hpp"

#include <algorithm>
#include <cmath>

#include "backbeat/storage/storage.hpp"

namespace backbeat::scheduler {
namespace {

using core::RunStatus;

// The attempt in progress, if the last one is still executing.
core::RunAttempt* Running(core::Run& run) {
  if (run.attempts.empty() || run.attempts.back().status != "EXECUTING") return nullptr;
  return &run.attempts.back();
}

void EndAttempt(core::Run& run, core::Millis now, const char* status,
                const std::optional<core::RunError>& error) {
  if (core::RunAttempt* a = Running(run)) {
    a->status = status;
    a->updated_at = now;
    a->completed_at = now;
    a->error = error;
  }
}

void Finish(core::Run& run, RunStatus status, core::Millis now) {
  run.status = status;
  run.updated_at = now;
  run.finished_at = now;
  run.delayed_until.reset();
  run.lease_owner.reset();
  run.lease_expires_at.reset();
}

void Retry(core::Run& run, core::Millis now, std::chrono::milliseconds delay) {
  run.status = RunStatus::kReattempting;
  run.updated_at = now;
  run.delayed_until = now + delay;
  run.lease_owner.reset();
  run.lease_expires_at.reset();
}

int AttemptsMade(const core::Run& run) { return static_cast<int>(run.attempts.size()); }

}  // namespace

std::chrono::milliseconds RetryDelay(const RetryPolicy& policy, int next_attempt,
                                     double unit_random) {
  const int exponent = std::max(0, next_attempt - 2);
  double ms = static_cast<double>(policy.base.count()) * std::pow(policy.factor, exponent);
  ms = std::min(ms, static_cast<double>(policy.max.count()));
  ms *= 1.0 + policy.jitter * (2.0 * std::clamp(unit_random, 0.0, 1.0) - 1.0);
  return std::chrono::milliseconds(static_cast<int64_t>(std::max(0.0, ms)));
}

core::Run StartAttempt(core::Run run, core::Millis now, const std::string& owner,
                       std::chrono::milliseconds lease, std::string attempt_id) {
  run.status = RunStatus::kExecuting;
  run.updated_at = now;
  if (!run.started_at) run.started_at = now;
  run.delayed_until.reset();
  run.lease_owner = owner;
  run.lease_expires_at = now + lease;
  core::RunAttempt attempt;
  attempt.id = std::move(attempt_id);
  attempt.status = "EXECUTING";
  attempt.created_at = now;
  attempt.updated_at = now;
  attempt.started_at = now;
  run.attempts.push_back(std::move(attempt));
  return run;
}

core::Run FinishAttempt(core::Run run, const executors::ExecutionResult& result, core::Millis now,
                        std::chrono::milliseconds retry_delay) {
  using Outcome = executors::ExecutionResult::Outcome;
  run.cost_in_cents += result.cost_in_cents;
  run.base_cost_in_cents += result.cost_in_cents;
  run.duration_ms += result.duration_ms;
  switch (result.outcome) {
    case Outcome::kSucceeded:
      EndAttempt(run, now, "COMPLETED", std::nullopt);
      run.output_json = result.output_json;
      run.error.reset();
      Finish(run, RunStatus::kCompleted, now);
      return run;
    case Outcome::kCanceled:
      EndAttempt(run, now, "CANCELED", result.error);
      run.error = result.error;
      Finish(run, RunStatus::kCanceled, now);
      return run;
    case Outcome::kTimedOut:
      EndAttempt(run, now, "FAILED", result.error);
      run.error = result.error;
      Finish(run, RunStatus::kFailed, now);
      return run;
    case Outcome::kFailed:
      EndAttempt(run, now, "FAILED", result.error);
      run.error = result.error;
      if (result.retryable && AttemptsMade(run) < run.max_attempts) {
        Retry(run, now, retry_delay);
      } else {
        Finish(run, RunStatus::kFailed, now);
      }
      return run;
  }
  return run;
}

static core::Run EndLostAttempt(core::Run run, core::Millis now,
                                std::chrono::milliseconds retry_delay,
                                const core::RunError& error) {
  EndAttempt(run, now, "FAILED", error);
  run.error = error;
  if (AttemptsMade(run) < run.max_attempts) {
    Retry(run, now, retry_delay);
  } else {
    Finish(run, RunStatus::kCrashed, now);
  }
  return run;
}

core::Run RecoverLostLease(core::Run run, core::Millis now, std::chrono::milliseconds retry_delay) {
  return EndLostAttempt(std::move(run), now, retry_delay,
                        {"The worker running this attempt stopped before it finished (its lease "
                         "expired)",
                         "CrashedError", ""});
}

core::Run Interrupt(core::Run run, core::Millis now, std::chrono::milliseconds retry_delay) {
  return EndLostAttempt(
      std::move(run), now, retry_delay,
      {"The node running this attempt shut down before it finished", "InterruptedError", ""});
}

core::Run Release(core::Run run, core::Millis now) {
  if (Running(run)) run.attempts.pop_back();
  run.status = run.attempts.empty() ? RunStatus::kQueued : RunStatus::kReattempting;
  if (run.attempts.empty()) run.started_at.reset();
  run.updated_at = now;
  run.lease_owner.reset();
  run.lease_expires_at.reset();
  return run;
}

core::Run Expire(core::Run run, core::Millis now) {
  Finish(run, RunStatus::kCanceled, now);
  run.expired_at = now;
  return run;
}

bool LeaseEnded(const core::Run& run, core::Millis now) {
  return run.status == RunStatus::kExecuting && run.lease_expires_at && *run.lease_expires_at < now;
}

bool Expired(const core::Run& run, core::Millis now) {
  std::optional<core::Millis> deadline = storage::TtlDeadline(run);
  return storage::IsWaiting(run.status) && !run.started_at && deadline && *deadline < now;
}

}  // namespace backbeat::scheduler
