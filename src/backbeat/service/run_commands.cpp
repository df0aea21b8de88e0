#include "backbeat/service/run_commands.hpp"

#include "backbeat/service/run_factory.hpp"

namespace backbeat::service {
namespace {

core::Status RunNotFound() { return core::NotFound("Task run not found"); }

// The transition the scheduler's lifecycle also uses for a cancel, kept here so the service
// does not depend on the scheduler: the running attempt (if any) ends CANCELED too.
core::Run Canceled(core::Run run, core::Millis now) {
  if (!run.attempts.empty() && run.attempts.back().status == "EXECUTING") {
    core::RunAttempt& a = run.attempts.back();
    a.status = "CANCELED";
    a.updated_at = now;
    a.completed_at = now;
    a.error = core::RunError{"The run was canceled", "CanceledError", ""};
  }
  run.status = core::RunStatus::kCanceled;
  run.updated_at = now;
  run.finished_at = now;
  run.delayed_until.reset();
  run.lease_owner.reset();
  run.lease_expires_at.reset();
  return run;
}

}  // namespace

core::Result<core::Run> RunCommands::VisibleRun(const core::Principal& caller,
                                                const std::string& run_id) {
  core::Result<core::Run> run = storage_.runs().Get(run_id);
  if (!run.ok()) {
    return run.status().code() == core::ErrorCode::kNotFound ? RunNotFound() : run.status();
  }
  if (!caller.CanActFor(run->account_id)) return RunNotFound();
  return run;
}

core::Result<core::Run> RunCommands::Trigger(const core::Principal& caller,
                                             const std::string& task_id,
                                             const std::optional<std::string>& idempotency_key,
                                             const std::optional<std::string>& account_id) {
  if (account_id && !caller.CanActFor(*account_id)) {
    return core::PermissionDenied("Access denied to specified account_id");
  }
  core::Result<core::Task> task = storage_.tasks().Get(task_id);
  if (!task.ok()) {
    return task.status().code() == core::ErrorCode::kNotFound ? core::NotFound("Task not found")
                                                              : task.status();
  }
  if (!caller.CanActFor(task->account_id)) {
    return core::PermissionDenied("Access denied to this task");
  }
  const core::Millis now = clock_.Now();
  RunOrigin origin;
  origin.idempotency_key = idempotency_key;
  if (auto schedule = core::cron::CronExpression::Parse(task->schedule, {.allow_seconds = true});
      schedule.ok()) {
    if (auto zone = zones_.Find(task->timezone); zone.ok()) {
      origin.upcoming =
          schedule->Upcoming(std::chrono::floor<std::chrono::seconds>(now), **zone, 5);
    }
  }
  storage::ManualRunRequest request;
  request.run = MakeRun(*task, ids_.NewRunId(), now, origin, options_.run_ttl_seconds);
  request.idempotency_since = now - options_.idempotency_window;
  request.refuse_if_active = task->overlap == core::Overlap::kSkip;
  core::Result<storage::ManualRunResult> inserted = storage_.runs().InsertManual(request);
  if (!inserted.ok()) return inserted.status();
  if (inserted->created) events_.RunQueued();
  return std::move(inserted->run);
}

core::Result<core::Run> RunCommands::Cancel(const core::Principal& caller,
                                            const std::string& run_id) {
  // A run moves on its own (a claim, a finished attempt): re-read and try again a few times.
  for (int attempt = 0; attempt < 5; ++attempt) {
    core::Result<core::Run> run = VisibleRun(caller, run_id);
    if (!run.ok()) return run.status();
    if (core::IsFinal(run->status)) return core::FailedPrecondition("Run is already finished");
    storage::GuardedRun update{Canceled(*run, clock_.Now()), run->status, run->lease_owner};
    core::Result<std::vector<core::Status>> written = storage_.runs().ReplaceIf({update});
    if (!written.ok()) return written.status();
    const core::Status& s = written->front();
    if (s.ok()) {
      events_.RunCanceled(run_id);
      return std::move(update.run);
    }
    if (s.code() == core::ErrorCode::kNotFound) return RunNotFound();
  }
  return core::Aborted("the run kept changing; try again");
}

core::Result<core::Run> RunCommands::Replay(const core::Principal& caller,
                                            const std::string& run_id) {
  core::Result<core::Run> original = VisibleRun(caller, run_id);
  if (!original.ok()) return original.status();
  const core::Millis now = clock_.Now();
  core::Run run;
  run.id = ids_.NewRunId();
  run.task_id = original->task_id;
  run.account_id = original->account_id;
  run.artist_account_id = original->artist_account_id;
  run.status = core::RunStatus::kQueued;
  run.is_test = original->is_test;
  run.created_at = now;
  run.updated_at = now;
  run.ttl_seconds = options_.run_ttl_seconds;
  run.payload_json = original->payload_json;
  run.schedule_expression = original->schedule_expression;
  run.timezone = original->timezone;
  run.max_attempts = original->max_attempts;
  run.timeout_seconds = original->timeout_seconds;
  run.exclusive = original->exclusive;
  storage::ManualRunRequest request{run, now, false};
  core::Result<storage::ManualRunResult> inserted = storage_.runs().InsertManual(request);
  if (!inserted.ok()) return inserted.status();
  events_.RunQueued();
  return std::move(inserted->run);
}

}  // namespace backbeat::service
