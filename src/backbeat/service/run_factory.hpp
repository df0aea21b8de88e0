#pragma once

#include <optional>
#include <string>
#include <vector>

#include "backbeat/core/task/run.hpp"
#include "backbeat/core/task/task.hpp"

namespace backbeat::service {

// What a new run is made for: a nominal slot of the schedule, or a manual trigger.
struct RunOrigin {
  std::optional<core::Instant> slot;           // nullopt: triggered now
  std::optional<core::Instant> last_slot;      // the slot before (payload lastTimestamp)
  std::vector<core::Instant> upcoming;         // the next fires after it (payload upcoming)
  std::optional<std::string> idempotency_key;  // manual runs only
};

// A new QUEUED run of `task` (API.md section 5): owner, artist, the schedule as it is now, the
// task's attempt and timeout policy, `exclusive` for overlap "queue", and the payload document
// {timestamp, lastTimestamp, timezone, scheduleId, externalId, upcoming, type}. Pure.
core::Run MakeRun(const core::Task& task, std::string run_id, core::Millis now,
                  const RunOrigin& origin, std::optional<int64_t> ttl_seconds);

}  // namespace backbeat::service
