#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "backbeat/core/cron/cron_expression.hpp"
#include "backbeat/core/task/task.hpp"
#include "backbeat/core/time/instant.hpp"
#include "backbeat/core/time/time_zone.hpp"

namespace backbeat::scheduler {

// Why a slot produced no run. Every such slot is recorded (as a range when consecutive), so no
// slot is ever silently lost.
enum class SkipReason {
  kOverlap,         // a run of the task was still active and overlap is "skip"
  kOutsideWindow,   // missed by more than catchup_window_seconds
  kCaughtUpLatest,  // missed, and catchup "latest" fired only the newest missed slot
  kCatchupNone,     // missed, and catchup is "none"
};
std::string_view SkipReasonName(SkipReason reason);  // "overlap", "outside_catchup_window", ...

// A run of consecutive slots that did not fire, for one reason.
struct SkippedSlots {
  core::Instant first;
  core::Instant last;
  int64_t count = 0;
  SkipReason reason = SkipReason::kOverlap;
  friend bool operator==(const SkippedSlots&, const SkippedSlots&) = default;
};

// What to do with a task's due slots at one instant: which slots fire, which are skipped and
// why, and the task's next nominal slot.
struct Plan {
  std::vector<core::Instant> fire;  // ascending
  std::vector<SkippedSlots> skipped;
  std::optional<core::Instant> next_slot;  // the first slot after `now`
  bool truncated = false;                  // more due slots remain than one plan takes; plan again
};

struct PlannerOptions {
  // A slot fired within this long after its instant is on time; later it counts as missed and
  // the catch-up policy decides.
  std::chrono::seconds grace{60};
  // At most this many slots are walked per task per plan (bounds work after long downtime;
  // the rest is planned on the next round).
  size_t max_slots_per_plan = 10000;
};

// Decides, purely, what a task's due slots do at `now` (API.md sections 3 and 6): catch-up
// policy within the window, overlap with active runs, and the next slot computed from the
// previous nominal slot (never from `now`). `active_runs` is how many runs of the task are
// queued, delayed, executing or re-attempting.
Plan PlanTask(const core::Task& task, const core::cron::CronExpression& schedule,
              const core::TimeZone& zone, core::Instant now, int active_runs,
              const PlannerOptions& options = {});

}  // namespace backbeat::scheduler
