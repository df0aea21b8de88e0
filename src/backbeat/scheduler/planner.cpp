#include "backbeat/scheduler/planner.hpp"

namespace backbeat::scheduler {
namespace {

void AddSkip(std::vector<SkippedSlots>& out, core::Instant slot, SkipReason reason) {
  if (!out.empty() && out.back().reason == reason) {
    out.back().last = slot;
    ++out.back().count;
    return;
  }
  out.push_back({slot, slot, 1, reason});
}

}  // namespace

std::string_view SkipReasonName(SkipReason reason) {
  switch (reason) {
    case SkipReason::kOverlap:
      return "overlap";
    case SkipReason::kOutsideWindow:
      return "outside_catchup_window";
    case SkipReason::kCaughtUpLatest:
      return "caught_up_latest";
    case SkipReason::kCatchupNone:
      return "catchup_none";
  }
  return "unknown";
}

Plan PlanTask(const core::Task& task, const core::cron::CronExpression& schedule,
              const core::TimeZone& zone, core::Instant now, int active_runs,
              const PlannerOptions& options) {
  Plan plan;
  if (!task.enabled || !task.next_slot) return plan;
  plan.next_slot = task.next_slot;
  if (*task.next_slot > now) return plan;

  // Walk the due slots from the stored nominal slot, in order.
  std::vector<core::Instant> due;
  std::optional<core::Instant> slot = task.next_slot;
  while (slot && *slot <= now) {
    if (due.size() == options.max_slots_per_plan) {
      plan.truncated = true;
      break;
    }
    due.push_back(*slot);
    slot = schedule.Next(*slot, zone);
  }
  plan.next_slot = slot;

  const core::Instant window_start = now - std::chrono::seconds(task.catchup_window_seconds);
  const core::Instant on_time_after = now - options.grace;
  // The newest slot inside the window is the one "latest" catches up.
  std::optional<core::Instant> newest_in_window;
  for (core::Instant s : due) {
    if (s >= window_start) newest_in_window = s;
  }

  int active = active_runs;
  for (core::Instant s : due) {
    const bool on_time = s >= on_time_after;
    if (!on_time) {
      if (s < window_start) {
        AddSkip(plan.skipped, s, SkipReason::kOutsideWindow);
        continue;
      }
      if (task.catchup == core::Catchup::kNone) {
        AddSkip(plan.skipped, s, SkipReason::kCatchupNone);
        continue;
      }
      if (task.catchup == core::Catchup::kLatest && s != newest_in_window) {
        AddSkip(plan.skipped, s, SkipReason::kCaughtUpLatest);
        continue;
      }
    }
    if (active > 0 && task.overlap == core::Overlap::kSkip) {
      AddSkip(plan.skipped, s, SkipReason::kOverlap);
      continue;
    }
    plan.fire.push_back(s);
    ++active;  // the run just planned is active for the slots after it
  }
  return plan;
}

}  // namespace backbeat::scheduler
