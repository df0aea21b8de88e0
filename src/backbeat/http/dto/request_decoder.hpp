#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "backbeat/core/cron/cron_expression.hpp"
#include "backbeat/core/status.hpp"
#include "backbeat/core/time/time_zone.hpp"
#include "backbeat/service/inputs.hpp"

namespace backbeat::http::dto {

// Decoding of JSON request bodies into service inputs (API.md sections 1 and 4).
//
// Every decoder reports only the first problem, as InvalidArgument with the exact API.md message
// and `field()` set to the offending key (empty for whole-body problems):
//   1. unparsable body (also invalid UTF-8, lone surrogates, nesting deeper than kMaxJsonDepth):
//      `Invalid JSON body`;
//   2. body not an object: `Invalid input: expected object, received
//      null|boolean|number|string|array`;
//   3. each field in declaration order (see each decoder);
//   4. unknown keys, in the order they appear: `Unrecognized key: "foo"` /
//      `Unrecognized keys: "a", "b"`.
// `null` is accepted only for `model`. Messages beyond API.md (zod's wording, documented in
// README.md beside this file):
//   - string longer than its limit: `Too big: expected string to have <=500 characters`
//     (lengths count UTF-16 code units, as JavaScript's `length` does);
//   - overlap/catchup not one of the values (any type): `Invalid option: expected one of
//     "skip"|"allow"|"queue"` / `... "latest"|"all"|"none"`;
//   - integer fields: `Invalid input: expected number, received string` (etc.),
//     `Invalid input: expected int, received number` (1.5), `Too small: expected number to be
//     >=1`, `Too big: expected number to be <=10` (infinite values count as too big/small).
// The functions do not throw: allocation failure comes back as kInternal.

// Longest accepted strings, in UTF-16 code units. Generous for humans, small enough that one
// task row stays far below the 1 MiB body limit.
inline constexpr size_t kMaxTitleLength = 500;
inline constexpr size_t kMaxPromptLength = 100000;
inline constexpr size_t kMaxModelLength = 200;
inline constexpr size_t kMaxIdempotencyKeyLength = 256;
// Request bodies are flat; this only bounds the work of skipping nested unknown values.
inline constexpr size_t kMaxJsonDepth = 64;

// What decoding needs besides the body. The lookup must outlive the call.
struct DecodeContext {
  const core::ZoneLookup& zones;
  core::cron::ParseOptions cron_options;
};

// POST /api/tasks/trigger. Not (yet) a service input type, so it lives here.
struct TriggerTaskRequest {
  std::string id;  // lowercase
  std::optional<std::string> idempotency_key;
  std::optional<std::string> account_id;  // lowercase; act for this account (scope-checked)
};

// POST /api/tasks/runs/cancel and /replay. The run id is not checked for shape: an id that
// cannot exist is simply not found (404 `Task run not found`).
struct RunActionRequest {
  std::string run_id;
};

// POST /api/tasks. Order: title, prompt, schedule, artist_account_id (required), account_id,
// model, timezone, enabled, overlap, catchup, catchup_window_seconds, max_attempts,
// timeout_seconds. An empty required string is `<field> parameter is required`; the schedule
// must parse with `ctx.cron_options`; the zone is stored canonical, ids lowercase.
core::Result<service::CreateTaskInput> DecodeCreateTask(std::string_view body,
                                                        const DecodeContext& ctx);

// PATCH /api/tasks. Order: id (required), then the create fields, all optional (an empty
// string is `<field> must be a non-empty string`). `model: null` resets to the server default.
core::Result<service::UpdateTaskInput> DecodeUpdateTask(std::string_view body,
                                                        const DecodeContext& ctx);

// DELETE /api/tasks: {id, account_id?}.
core::Result<service::DeleteTaskInput> DecodeDeleteTask(std::string_view body);

// POST /api/tasks/trigger: {id, idempotency_key?, account_id?}, in that order.
core::Result<TriggerTaskRequest> DecodeTrigger(std::string_view body);

// POST /api/tasks/runs/cancel and /replay: {runId}.
core::Result<RunActionRequest> DecodeRunAction(std::string_view body);

}  // namespace backbeat::http::dto
