#include "backbeat/executors/text.hpp"

#include <cstdint>

namespace backbeat::executors {
namespace {

// The length of the valid UTF-8 sequence starting at text[i], or 0 when there is none.
size_t SequenceLength(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(text[k]); };
  const uint8_t b0 = byte(i);
  if (b0 < 0x80) return 1;
  size_t length = 0;
  uint32_t min = 0;
  uint32_t code = 0;
  if ((b0 & 0xe0) == 0xc0) {
    length = 2, min = 0x80, code = b0 & 0x1f;
  } else if ((b0 & 0xf0) == 0xe0) {
    length = 3, min = 0x800, code = b0 & 0x0f;
  } else if ((b0 & 0xf8) == 0xf0) {
    length = 4, min = 0x10000, code = b0 & 0x07;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
    code = (code << 6) | (byte(i + k) & 0x3f);
  }
  // Overlong forms, surrogates and values past U+10FFFF are not valid UTF-8.
  if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return 0;
  return length;
}

}  // namespace

std::string ToValidUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const size_t length = SequenceLength(text, i);
    if (length == 0) {
      out += "\xef\xbf\xbd";
      ++i;
    } else {
      out.append(text.substr(i, length));
      i += length;
    }
  }
  return out;
}

std::string Excerpt(std::string_view text, size_t max) {
  if (text.size() <= max) return ToValidUtf8(text);
  size_t end = max;
  // Step back over continuation bytes so the cut falls between sequences.
  while (end > 0 && (static_cast<uint8_t>(text[end]) & 0xc0) == 0x80) --end;
  return ToValidUtf8(text.substr(0, end)) + "...";
}

std::string TailExcerpt(std::string_view text, size_t max) {
  if (text.size() <= max) return ToValidUtf8(text);
  size_t begin = text.size() - max;
  while (begin < text.size() && (static_cast<uint8_t>(text[begin]) & 0xc0) == 0x80) ++begin;
  return "..." + ToValidUtf8(text.substr(begin));
}

}  // namespace backbeat::executors
