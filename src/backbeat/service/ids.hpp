#pragma once

#include <string>

namespace backbeat::service {

// Makes fresh identifiers and secrets. Implementations are thread-safe.
class IdSource {
 public:
  virtual ~IdSource() = default;
  virtual std::string NewUuid() = 0;                      // version-4 UUID, lowercase
  virtual std::string NewRunId() = 0;                     // "run_" + 24 of [0-9a-z]
  virtual std::string NewToken(size_t random_bytes) = 0;  // base64url, no padding
};

// Identifiers from the operating system's CSPRNG (OpenSSL RAND_bytes).
class RandomIdSource final : public IdSource {
 public:
  std::string NewUuid() override;
  std::string NewRunId() override;
  std::string NewToken(size_t random_bytes) override;
};

// base64url without padding (RFC 4648 section 5).
std::string Base64Url(const unsigned char* data, size_t size);

}  // namespace backbeat::service
