#pragma once

#include <string>
#include <string_view>

#include "backbeat/core/status.hpp"
#include "backbeat/storage/storage.hpp"

namespace backbeat::http::dto {

// The longest cursor text DecodeCursor looks at; EncodeCursor's output for ids of up to 300
// bytes fits.
inline constexpr size_t kMaxCursorLength = 420;

// The opaque `next_cursor` text of a page position: unpadded base64url of a version byte, the
// big-endian created_at milliseconds, the id and a 32-bit FNV-1a checksum of all of it. The
// checksum only tells server-issued cursors from garbage; it is no security boundary (a cursor
// only positions a listing, which the service still scope-filters).
std::string EncodeCursor(const storage::PageCursor& cursor);

// The position EncodeCursor encoded. Anything else (wrong alphabet, padding, non-canonical
// trailing bits, wrong version, bad checksum, longer than kMaxCursorLength) is InvalidArgument
// `cursor is invalid` with field "cursor".
core::Result<storage::PageCursor> DecodeCursor(std::string_view text);

}  // namespace backbeat::http::dto
