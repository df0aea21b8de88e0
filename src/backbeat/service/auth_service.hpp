#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "backbeat/core/account/account.hpp"
#include "backbeat/core/status.hpp"
#include "backbeat/core/time/clock.hpp"
#include "backbeat/service/ids.hpp"
#include "backbeat/storage/storage.hpp"

namespace backbeat::service {

// The credentials a request carries, as sent (empty headers count as absent).
struct Credentials {
  std::optional<std::string_view> x_api_key;
  std::optional<std::string_view> authorization;
};

// A key as minted: the secret, shown once, and what was stored.
struct MintedKey {
  std::string key;  // "bb_sk_" + 43 base64url characters
  core::ApiKey stored;
};

// API keys and who they act for (API.md section 2). Keys are stored only as HMAC-SHA256 under
// the server secret. Thread-safe; methods block on storage.
class AuthService {
 public:
  AuthService(storage::AccountStore& accounts, const core::Clock& clock, IdSource& ids,
              std::string server_secret);

  // Unauthenticated with the exact API.md message for missing, doubled, malformed, unknown,
  // revoked or expired credentials.
  core::Result<core::Principal> Authenticate(const Credentials& credentials) const;

  // Creates a key for an existing account. NotFound if the account does not exist.
  core::Result<MintedKey> MintKey(std::string_view account_id,
                                  std::optional<core::Millis> expires_at);

  // Hex HMAC-SHA256 of `key` under the server secret.
  std::string HashKey(std::string_view key) const;

 private:
  storage::AccountStore& accounts_;
  const core::Clock& clock_;
  IdSource& ids_;
  const std::string secret_;
};

}  // namespace backbeat::service
