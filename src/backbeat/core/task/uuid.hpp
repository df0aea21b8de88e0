#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace backbeat::core {

// API.md section 1: 8-4-4-4-12 hex in any case, version digit 1-8, variant digit 8/9/a/b; the
// nil UUID and the lowercase max UUID are accepted too.
bool IsValidUuid(std::string_view s);

// Lowercase form of a valid UUID (ids are stored and compared lowercase).
std::string CanonicalUuid(std::string_view s);

// A version-4 UUID from 16 random bytes (the caller supplies the randomness).
std::string UuidV4FromBytes(const std::array<uint8_t, 16>& bytes);

}  // namespace backbeat::core
