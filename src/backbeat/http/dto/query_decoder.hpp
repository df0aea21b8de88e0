#pragma once

#include <cstddef>
#include <string_view>

#include "backbeat/core/status.hpp"
#include "backbeat/service/inputs.hpp"

namespace backbeat::http::dto {

// Decoding of query strings into list inputs (API.md sections 1 and 4).
//
// `query` is the part of the target after '?' (a leading '?' is skipped). It is read the way
// the original's URLSearchParams reads it: pairs split on '&', names and values
// percent-decoded (Boost.URL) with '+' meaning a space; bytes a strict RFC 3986 parser would
// refuse (`{`, `"`, a stray '%', ...) are taken literally rather than failing the request.
// A name given more than once: the first value wins (URLSearchParams.get). Unknown names are
// ignored (clients add cache busters). Parameters are checked in the order below and only the
// first problem is reported, as InvalidArgument with `field()` the parameter name:
//   - UUID parameters: `<name> must be a valid UUID` (stored lowercase);
//   - enabled: `true`/`false`/`1`/`0`, else `enabled must be true or false`;
//   - limit, read as JavaScript's Number() reads decimal text (surrounding blanks ignored, an
//     empty value is 0): `Invalid input: expected number, received NaN`,
//     `Invalid input: expected int, received number`, `Too small: expected number to be >=1`,
//     `Too big: expected number to be <=<max>`;
//   - cursor: not issued by EncodeCursor, empty included: `cursor is invalid`;
//   - status (runs): not one of the seed's statuses, exactly as spelled there:
//     `status must be one of QUEUED, DELAYED, EXECUTING, REATTEMPTING, COMPLETED, FAILED,
//     CANCELED, CRASHED, INTERRUPTED, SYSTEM_FAILURE`;
//   - runId (runs): empty: `runId must be a non-empty string` (its shape is not checked: an id
//     that cannot exist is simply not found).
// The functions do not throw: allocation failure comes back as kInternal.

inline constexpr size_t kMaxTaskPageSize = 1000;
inline constexpr size_t kMaxRunPageSize = 100;

// GET /api/tasks: id, account_id, artist_account_id, enabled, limit (1..1000, default 100),
// cursor. The cursor stays as text (validated; DecodeCursor gives the position).
core::Result<service::ListTasksInput> DecodeListTasksQuery(std::string_view query);

// GET /api/tasks/runs: runId, account_id, task_id, status, limit (1..100, default 20), cursor.
core::Result<service::ListRunsInput> DecodeListRunsQuery(std::string_view query);

}  // namespace backbeat::http::dto
