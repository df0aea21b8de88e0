#include "backbeat/http/dto/cursor.hpp"

#include <array>
#include <cstdint>

namespace backbeat::http::dto {
namespace {

constexpr uint8_t kCursorVersion = 1;
constexpr size_t kHeaderSize = 1 + 8;  // version, millis
constexpr size_t kChecksumSize = 4;
constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

core::Status Invalid() { return core::InvalidField("cursor", "cursor is invalid"); }

uint32_t Fnv1a(std::string_view bytes) {
  uint32_t hash = 2166136261u;
  for (char c : bytes) {
    hash ^= static_cast<uint8_t>(c);
    hash *= 16777619u;
  }
  return hash;
}

void AppendBigEndian(std::string& out, uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out += static_cast<char>((value >> (8 * i)) & 0xFF);
}

uint64_t ReadBigEndian(std::string_view in, int bytes) {
  uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) value = (value << 8) | static_cast<uint8_t>(in[i]);
  return value;
}

std::string Base64UrlEncode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t n = (static_cast<uint8_t>(bytes[i]) << 16) |
                 (static_cast<uint8_t>(bytes[i + 1]) << 8) | static_cast<uint8_t>(bytes[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  size_t rest = bytes.size() - i;
  if (rest == 1) {
    uint32_t n = static_cast<uint8_t>(bytes[i]) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
  } else if (rest == 2) {
    uint32_t n = (static_cast<uint8_t>(bytes[i]) << 16) | (static_cast<uint8_t>(bytes[i + 1]) << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
  }
  return out;
}

int SextetOf(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

// Strict: only the unpadded form EncodeCursor writes, so that exactly one text decodes to each
// byte string (unused trailing bits must be zero).
bool Base64UrlDecode(std::string_view text, std::string& out) {
  if (text.size() % 4 == 1) return false;
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    int sextet = SextetOf(c);
    if (sextet < 0) return false;
    buffer = (buffer << 6) | static_cast<uint32_t>(sextet);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  return (buffer & ((1u << bits) - 1)) == 0;
}

}  // namespace

std::string EncodeCursor(const storage::PageCursor& cursor) {
  std::string bytes;
  bytes += static_cast<char>(kCursorVersion);
  AppendBigEndian(bytes, static_cast<uint64_t>(cursor.created_at.time_since_epoch().count()), 8);
  bytes += cursor.id;
  AppendBigEndian(bytes, Fnv1a(bytes), kChecksumSize);
  return Base64UrlEncode(bytes);
}

core::Result<storage::PageCursor> DecodeCursor(std::string_view text) {
  if (text.empty() || text.size() > kMaxCursorLength) return Invalid();
  std::string bytes;
  if (!Base64UrlDecode(text, bytes)) return Invalid();
  if (bytes.size() < kHeaderSize + kChecksumSize) return Invalid();
  if (static_cast<uint8_t>(bytes[0]) != kCursorVersion) return Invalid();
  std::string_view body(bytes.data(), bytes.size() - kChecksumSize);
  uint64_t checksum = ReadBigEndian(std::string_view(bytes).substr(body.size()), kChecksumSize);
  if (checksum != Fnv1a(body)) return Invalid();
  storage::PageCursor cursor;
  cursor.created_at = core::Millis(
      std::chrono::milliseconds(static_cast<int64_t>(ReadBigEndian(body.substr(1), 8))));
  cursor.id = std::string(body.substr(kHeaderSize));
  return cursor;
}

}  // namespace backbeat::http::dto
