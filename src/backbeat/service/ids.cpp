#include "backbeat/service/ids.hpp"

#include <openssl/rand.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "backbeat/core/task/uuid.hpp"

namespace backbeat::service {
namespace {

void FillFromOpenSsl(unsigned char* out, size_t n) {
  // RAND_bytes fails only when the OS entropy source is broken; nothing sensible can go on.
  if (RAND_bytes(out, static_cast<int>(n)) != 1) std::abort();
}

// Random bytes from a per-thread buffer refilled 4 KiB at a time: one RAND_bytes call (its
// locking and DRBG setup) per ~170 run ids instead of per id, which showed in the profile of the
// SQLite writer, where attempt ids are made inside the claim. Each byte is handed out once and
// wiped.
void Fill(unsigned char* out, size_t n) {
  struct Pool {
    std::array<unsigned char, 4096> bytes{};
    size_t next = 4096;
  };
  thread_local Pool pool;
  if (n > pool.bytes.size()) return FillFromOpenSsl(out, n);
  if (pool.bytes.size() - pool.next < n) {
    FillFromOpenSsl(pool.bytes.data(), pool.bytes.size());
    pool.next = 0;
  }
  std::memcpy(out, pool.bytes.data() + pool.next, n);
  std::memset(pool.bytes.data() + pool.next, 0, n);
  pool.next += n;
}

}  // namespace

std::string Base64Url(const unsigned char* data, size_t size) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve((size * 4 + 2) / 3);
  size_t i = 0;
  for (; i + 3 <= size; i += 3) {
    uint32_t v = (uint32_t{data[i]} << 16) | (uint32_t{data[i + 1]} << 8) | data[i + 2];
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (size - i == 1) {
    uint32_t v = uint32_t{data[i]} << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
  } else if (size - i == 2) {
    uint32_t v = (uint32_t{data[i]} << 16) | (uint32_t{data[i + 1]} << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
  }
  return out;
}

std::string RandomIdSource::NewUuid() {
  std::array<uint8_t, 16> bytes{};
  Fill(bytes.data(), bytes.size());
  return core::UuidV4FromBytes(bytes);
}

std::string RandomIdSource::NewRunId() {
  static constexpr char kChars[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::array<unsigned char, 24> bytes{};
  std::string id = "run_";
  // The first 9 characters are the creation time in milliseconds, base 36 (good until the year
  // 5188), so ids made close in time sort close together: a burst of new runs appends to the
  // primary-key index instead of touching a random page per run. The other 15 are random
  // (77 bits), so ids stay unguessable and unique.
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  uint64_t t = static_cast<uint64_t>(ms);
  char time_part[9];
  for (int i = 8; i >= 0; --i) {
    time_part[i] = kChars[t % 36];
    t /= 36;
  }
  id.append(time_part, 9);
  // Rejection sampling keeps the 36 characters equally likely.
  while (id.size() < 4 + 24) {
    Fill(bytes.data(), bytes.size());
    for (unsigned char b : bytes) {
      if (b < 252 && id.size() < 4 + 24) id += kChars[b % 36];
    }
  }
  return id;
}

std::string RandomIdSource::NewToken(size_t random_bytes) {
  std::vector<unsigned char> bytes(random_bytes);
  Fill(bytes.data(), bytes.size());
  return Base64Url(bytes.data(), bytes.size());
}

}  // namespace backbeat::service
