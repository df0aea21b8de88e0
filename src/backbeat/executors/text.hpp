#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace backbeat::executors {

// `text` with every byte sequence that is not valid UTF-8 replaced by U+FFFD, so that output
// taken from the outside world (a response body, a program's stdout) makes valid JSON text.
std::string ToValidUtf8(std::string_view text);

// The first `max` bytes of `text` (never splitting a UTF-8 sequence), valid UTF-8, with "..."
// appended when cut: for error messages that quote a body.
std::string Excerpt(std::string_view text, size_t max = 512);

// The last `max` bytes of `text` (never splitting a UTF-8 sequence), valid UTF-8, with "..."
// prepended when cut: for a stderr tail.
std::string TailExcerpt(std::string_view text, size_t max = 512);

}  // namespace backbeat::executors
