#include "backbeat/service/run_factory.hpp"

#include <boost/json.hpp>

namespace backbeat::service {

core::Run MakeRun(const core::Task& task, std::string run_id, core::Millis now,
                  const RunOrigin& origin, std::optional<int64_t> ttl_seconds) {
  core::Run run;
  run.id = std::move(run_id);
  run.task_id = task.id;
  run.account_id = task.account_id;
  run.artist_account_id = task.artist_account_id;
  run.status = core::RunStatus::kQueued;
  run.slot = origin.slot;
  run.idempotency_key = origin.idempotency_key;
  run.created_at = now;
  run.updated_at = now;
  run.ttl_seconds = ttl_seconds;
  run.schedule_expression = task.schedule;
  run.timezone = task.timezone;
  run.max_attempts = task.max_attempts;
  run.timeout_seconds = task.timeout_seconds;
  run.exclusive = task.overlap == core::Overlap::kQueue;

  // The payload a scheduled task receives (Trigger.dev's ScheduledTaskPayload shape).
  boost::json::object payload;
  const core::Instant timestamp =
      origin.slot.value_or(std::chrono::floor<std::chrono::seconds>(now));
  payload["timestamp"] = core::FormatIso8601Millis(timestamp);
  if (origin.last_slot) {
    payload["lastTimestamp"] = core::FormatIso8601Millis(*origin.last_slot);
  } else {
    payload["lastTimestamp"] = nullptr;
  }
  payload["timezone"] = task.timezone;
  if (std::optional<std::string> schedule_id = core::TriggerScheduleId(task)) {
    payload["scheduleId"] = *schedule_id;
  } else {
    payload["scheduleId"] = nullptr;
  }
  payload["externalId"] = task.id;
  boost::json::array upcoming;
  for (core::Instant t : origin.upcoming) upcoming.emplace_back(core::FormatIso8601Millis(t));
  payload["upcoming"] = std::move(upcoming);
  payload["type"] = "IMPERATIVE";
  run.payload_json = boost::json::serialize(payload);
  return run;
}

}  // namespace backbeat::service
