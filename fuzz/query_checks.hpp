#pragma once

// The invariants the query fuzz target asserts, shared with the corpus replay test. The input is
// a query string (the part of a target after '?') given to both list decoders, and also read as
// cursor text and as the bytes of a cursor position.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "backbeat/core/task/run.hpp"
#include "backbeat/core/task/uuid.hpp"
#include "backbeat/http/dto/cursor.hpp"
#include "backbeat/http/dto/query_decoder.hpp"
#include "fuzz/api_checks.hpp"

namespace backbeat::fuzz {

namespace query_internal {

using core::ErrorCode;
using core::Result;
using core::Status;

inline constexpr std::string_view kRunStatusMessage =
    "status must be one of QUEUED, DELAYED, EXECUTING, REATTEMPTING, COMPLETED, FAILED, "
    "CANCELED, CRASHED, INTERRUPTED, SYSTEM_FAILURE";

// A decoded id as the service expects it: a valid UUID, lowercase.
inline bool IsCanonicalUuid(const std::optional<std::string>& id) {
  return !id || (core::IsValidUuid(*id) && core::CanonicalUuid(*id) == *id);
}

// `message` is one of the documented messages for the `limit` parameter with bounds 1..max.
inline bool IsLimitMessage(std::string_view message, size_t max) {
  return message == "Invalid input: expected number, received NaN" ||
         message == "Invalid input: expected int, received number" ||
         message == "Too small: expected number to be >=1" ||
         message == "Too big: expected number to be <=" + std::to_string(max);
}

// The documented message for a problem with `field` (query_decoder.hpp, API.md section 1).
inline bool IsDocumentedMessage(std::string_view field, std::string_view message, size_t max) {
  if (field == "id" || field == "account_id" || field == "artist_account_id" ||
      field == "task_id") {
    return message == std::string(field) + " must be a valid UUID";
  }
  if (field == "enabled") return message == "enabled must be true or false";
  if (field == "limit") return IsLimitMessage(message, max);
  if (field == "cursor") return message == "cursor is invalid";
  if (field == "status") return message == kRunStatusMessage;
  if (field == "runId") return message == "runId must be a non-empty string";
  return false;
}

// An error from a query decoder: InvalidArgument naming one of `fields` with its message.
template <size_t N>
void CheckQueryError(const Status& status, const std::array<std::string_view, N>& fields,
                     size_t max_limit, std::string_view decoder, Expectations& check) {
  const std::string where = std::string(decoder) + " failed with " + status.ToString() +
                            " (field " + Show(status.field()) + ")";
  check.Expect(status.code() == ErrorCode::kInvalidArgument, where + ": not InvalidArgument");
  bool known = false;
  for (std::string_view f : fields) known = known || f == status.field();
  check.Expect(known, where + ": not a parameter of this endpoint");
  check.Expect(IsDocumentedMessage(status.field(), status.message(), max_limit),
               where + ": not the documented message");
}

inline bool SameInput(const service::ListTasksInput& a, const service::ListTasksInput& b) {
  return a.id == b.id && a.account_id == b.account_id &&
         a.artist_account_id == b.artist_account_id && a.enabled == b.enabled &&
         a.limit == b.limit && a.cursor == b.cursor;
}

inline bool SameInput(const service::ListRunsInput& a, const service::ListRunsInput& b) {
  return a.run_id == b.run_id && a.account_id == b.account_id && a.task_id == b.task_id &&
         a.status == b.status && a.limit == b.limit && a.cursor == b.cursor;
}

// Two decodings agree: both fail with the same status, or both succeed with the same input.
template <typename T>
bool SameOutcome(const Result<T>& a, const Result<T>& b) {
  if (a.ok() != b.ok()) return false;
  return a.ok() ? SameInput(*a, *b) : a.status() == b.status();
}

inline void CheckCursorText(const std::optional<std::string>& cursor, Expectations& check) {
  if (!cursor) return;
  check.Expect(http::dto::DecodeCursor(*cursor).ok(), "a decoded cursor does not decode");
}

inline void CheckTasksQuery(std::string_view query, Expectations& check) {
  static constexpr std::array<std::string_view, 6> kFields = {
      "id", "account_id", "artist_account_id", "enabled", "limit", "cursor"};
  auto tasks = http::dto::DecodeListTasksQuery(query);
  if (!tasks.ok()) {
    CheckQueryError(tasks.status(), kFields, http::dto::kMaxTaskPageSize, "DecodeListTasksQuery",
                    check);
  } else {
    check.Expect(IsCanonicalUuid(tasks->id) && IsCanonicalUuid(tasks->account_id) &&
                     IsCanonicalUuid(tasks->artist_account_id),
                 "DecodeListTasksQuery gave an id that is not a lowercase UUID");
    check.Expect(tasks->limit >= 1 && tasks->limit <= http::dto::kMaxTaskPageSize,
                 "DecodeListTasksQuery gave limit " + std::to_string(tasks->limit));
    CheckCursorText(tasks->cursor, check);
  }
  // Every name of the second copy repeats one of the first, and the first value wins.
  const std::string twice = std::string(query) + "&" + std::string(query);
  check.Expect(SameOutcome(tasks, http::dto::DecodeListTasksQuery(twice)),
               "DecodeListTasksQuery of the query repeated after '&' differs");
}

inline void CheckRunsQuery(std::string_view query, Expectations& check) {
  static constexpr std::array<std::string_view, 6> kFields = {"runId",  "account_id", "task_id",
                                                              "status", "limit",      "cursor"};
  auto runs = http::dto::DecodeListRunsQuery(query);
  if (!runs.ok()) {
    CheckQueryError(runs.status(), kFields, http::dto::kMaxRunPageSize, "DecodeListRunsQuery",
                    check);
  } else {
    check.Expect(IsCanonicalUuid(runs->account_id) && IsCanonicalUuid(runs->task_id),
                 "DecodeListRunsQuery gave an id that is not a lowercase UUID");
    check.Expect(!runs->run_id || !runs->run_id->empty(),
                 "DecodeListRunsQuery gave an empty runId");
    check.Expect(runs->limit >= 1 && runs->limit <= http::dto::kMaxRunPageSize,
                 "DecodeListRunsQuery gave limit " + std::to_string(runs->limit));
    check.Expect(
        !runs->status || core::ParseRunStatus(core::RunStatusName(*runs->status)) == runs->status,
        "DecodeListRunsQuery gave a status that does not round-trip");
    CheckCursorText(runs->cursor, check);
  }
  const std::string twice = std::string(query) + "&" + std::string(query);
  check.Expect(SameOutcome(runs, http::dto::DecodeListRunsQuery(twice)),
               "DecodeListRunsQuery of the query repeated after '&' differs");

  // The parameters both endpoints take are read the same way.
  auto tasks = http::dto::DecodeListTasksQuery(query);
  if (tasks.ok() && runs.ok()) {
    check.Expect(tasks->account_id == runs->account_id && tasks->cursor == runs->cursor,
                 "the two list decoders read account_id or cursor differently");
  }
}

// The input as cursor text: decoding is strict, so exactly the text EncodeCursor writes for the
// position decodes.
inline void CheckCursorDecoding(std::string_view text, Expectations& check) {
  auto cursor = http::dto::DecodeCursor(text);
  if (!cursor.ok()) {
    check.Expect(cursor.status() == core::InvalidField("cursor", "cursor is invalid"),
                 "DecodeCursor failed with " + cursor.status().ToString() +
                     ", not InvalidArgument `cursor is invalid` on field cursor");
    return;
  }
  check.Expect(http::dto::EncodeCursor(*cursor) == text,
               "EncodeCursor(DecodeCursor(text)) is not the text");
}

// The input as the bytes of a position (8 bytes of created_at, then the id): every position with
// an id of up to 300 bytes encodes into a cursor that decodes back to it, directly and through
// both query decoders.
inline void CheckCursorEncoding(std::string_view bytes, Expectations& check) {
  storage::PageCursor position;
  uint64_t millis = 0;
  for (size_t i = 0; i < 8 && i < bytes.size(); ++i) {
    millis = (millis << 8) | static_cast<uint8_t>(bytes[i]);
  }
  position.created_at = core::Millis(std::chrono::milliseconds(static_cast<int64_t>(millis)));
  if (bytes.size() > 8) position.id = std::string(bytes.substr(8, 300));
  const std::string text = http::dto::EncodeCursor(position);
  check.Expect(text.size() <= http::dto::kMaxCursorLength,
               "EncodeCursor wrote " + std::to_string(text.size()) + " characters");
  auto decoded = http::dto::DecodeCursor(text);
  check.Expect(decoded.ok() && *decoded == position,
               "DecodeCursor(EncodeCursor(position)) is not the position");
  auto tasks = http::dto::DecodeListTasksQuery("cursor=" + text);
  check.Expect(tasks.ok() && tasks->cursor == text,
               "DecodeListTasksQuery does not take an issued cursor as it is");
  auto runs = http::dto::DecodeListRunsQuery("?cursor=" + text);
  check.Expect(runs.ok() && runs->cursor == text,
               "DecodeListRunsQuery does not take an issued cursor as it is");
}

}  // namespace query_internal

// Checks one input against the query and cursor invariants above.
inline CheckResult CheckQueryInput(std::string_view input) {
  Expectations check("query " + Show(input));
  query_internal::CheckTasksQuery(input, check);
  query_internal::CheckRunsQuery(input, check);
  query_internal::CheckCursorDecoding(input, check);
  query_internal::CheckCursorEncoding(input, check);
  return check.result();
}

}  // namespace backbeat::fuzz
