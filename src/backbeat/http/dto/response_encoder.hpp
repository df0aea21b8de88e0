#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "backbeat/core/status.hpp"
#include "backbeat/core/task/run.hpp"
#include "backbeat/core/task/task.hpp"
#include "backbeat/core/time/instant.hpp"

namespace backbeat::http::dto {

// Encoding of responses (API.md sections 1, 3 and 5). Every function returns the complete JSON
// body. Times are ISO-8601 UTC with milliseconds. Only allocation failure throws.

// The constant parts of the Trigger.dev run shape backbeat serves.
inline constexpr std::string_view kTaskIdentifier = "customer-prompt-task";
inline constexpr std::string_view kEnvId = "env_prod";
inline constexpr std::string_view kEnvName = "prod";

// A task with what the API shows beside it. The task must outlive the view.
struct TaskView {
  const core::Task& task;
  std::vector<core::Run> recent_runs;   // newest first, at most 5 (list form)
  std::vector<core::Instant> upcoming;  // next fire times; not shown while disabled
  std::optional<std::string> owner_email;
};

// How much of a run to show: list form, or the detail form of `runId` (adds payload, output,
// error, attempts, schedule, relatedRuns).
enum class RunForm { kList, kDetail };

// The idempotency key of a scheduled run: "<task id>:<slot as 2026-03-27T09:00:00.000Z>". A run
// with a slot and no stored key shows this one.
std::string SlotIdempotencyKey(std::string_view task_id, core::Instant slot);

// GET /api/tasks: {"status":"success","tasks":[Task...],"next_cursor":string|null}.
std::string EncodeTasks(std::span<const TaskView> tasks,
                        const std::optional<std::string>& next_cursor);
// POST and PATCH /api/tasks: {"status":"success","tasks":[Task...]}.
std::string EncodeTasks(std::span<const TaskView> tasks);

// GET /api/tasks/runs list: {"status":"success","runs":[Run...],"next_cursor":string|null},
// list form.
std::string EncodeRuns(std::span<const core::Run> runs,
                       const std::optional<std::string>& next_cursor);
// GET /api/tasks/runs?runId (kDetail), trigger, cancel and replay: {"status":"success",
// "runs":[Run...]}.
std::string EncodeRuns(std::span<const core::Run> runs, RunForm form);

// {"status":"error","error":msg,"message":msg}; an InvalidArgument adds
// "missing_fields":[field] ([] when the status names no field).
std::string EncodeError(const core::Status& status);

// {"status":"success"}.
std::string EncodeSuccess();

}  // namespace backbeat::http::dto
