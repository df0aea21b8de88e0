#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "backbeat/core/status.hpp"

namespace backbeat::core {

// An instant on the UTC timeline at second precision: what schedules are made of.
using Instant = std::chrono::sys_seconds;
// A wall-clock reading with no zone attached ("2026-03-08 02:30:00" in some zone).
using LocalSeconds = std::chrono::local_seconds;
// A record timestamp (created_at, updated_at): the API shows milliseconds.
using Millis = std::chrono::sys_time<std::chrono::milliseconds>;

// "2026-03-27T09:00:00Z".
std::string FormatIso8601(Instant t);
// "2026-03-27T09:00:00.000Z": the API's wire form.
std::string FormatIso8601Millis(std::chrono::sys_time<std::chrono::milliseconds> t);

// Accepts "2026-03-27T09:00:00Z", with optional fractional seconds (truncated), a lowercase
// "t"/"z", a space instead of "T", or a numeric offset ("+01:00", "-0530"). A bare date
// ("2026-03-27") means its midnight UTC. Anything else is an InvalidArgument naming the input.
Result<Instant> ParseIso8601(std::string_view text);

}  // namespace backbeat::core
