#include "backbeat/scheduler/firing.hpp"

#include "backbeat/service/run_factory.hpp"

namespace backbeat::scheduler {

std::optional<core::cron::CronExpression> SlotDecider::Schedule(const std::string& text) {
  std::lock_guard lock(mu_);
  if (auto it = schedules_.find(text); it != schedules_.end()) return it->second;
  core::Result<core::cron::CronExpression> parsed =
      core::cron::CronExpression::Parse(text, {.allow_seconds = true});
  if (!parsed.ok()) return std::nullopt;
  if (schedules_.size() > 4096) schedules_.clear();  // bounded: schedules repeat a lot
  schedules_.emplace(text, *parsed);
  return *parsed;
}

storage::FireDecision SlotDecider::Decide(const storage::DueTask& due, core::Millis now) {
  const core::Task& task = due.task;
  storage::FireDecision decision;
  std::optional<core::cron::CronExpression> schedule = Schedule(task.schedule);
  core::Result<const core::TimeZone*> zone = zones_.Find(task.timezone);
  if (!schedule || !zone.ok()) return decision;  // next_slot nullopt: stops, visibly

  const core::Instant now_s = std::chrono::floor<std::chrono::seconds>(now);
  Plan plan = PlanTask(task, *schedule, **zone, now_s, due.active_runs, options_.planner);
  decision.next_slot = plan.next_slot;
  for (core::Instant slot : plan.fire) {
    service::RunOrigin origin;
    origin.slot = slot;
    origin.last_slot = schedule->Prev(slot, **zone);
    origin.upcoming = schedule->Upcoming(slot, **zone, options_.upcoming_in_payload);
    decision.runs.push_back(
        service::MakeRun(task, ids_.NewRunId(), now, origin, options_.run_ttl_seconds));
  }
  for (const SkippedSlots& skip : plan.skipped) {
    decision.skips.push_back(storage::SlotSkip{task.id, task.account_id, skip.first, skip.last,
                                               skip.count, std::string(SkipReasonName(skip.reason)),
                                               now});
  }
  return decision;
}

}  // namespace backbeat::scheduler
