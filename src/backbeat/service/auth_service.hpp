#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "backbeat/core/account/account.hpp"
#include "backbeat/core/status.hpp"
#include "backbeat/core/time/clock.hpp"
#include "backbeat/service/ids.hpp"
#include "backbeat/storage/storage.hpp"

struct evp_mac_ctx_st;  // OpenSSL's EVP_MAC_CTX, kept out of this header

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
//
// Authentication cache: a key that authenticated is remembered (its hash -> the stored key and
// the principal) for `Options::cache_ttl`, so a busy client costs no storage reads. Every hit
// still checks the key's expiry against the clock's current time, and a key revoked through
// RevokeKey() on this object stops working at once. A change made elsewhere (another process
// revoking a key or changing organization membership, the admin commands) is seen within the
// TTL: that is the staleness bound (docs/operations.md). Failures are never cached, so a key
// minted a moment ago works at once. The TTL is measured on the injected clock; an entry whose
// time lies in the clock's future (the clock stepped back) counts as stale.
class AuthService {
 public:
  struct Options {
    // How long a successful lookup is reused; zero disables the cache.
    std::chrono::milliseconds cache_ttl{2000};
    // At most this many keys are cached; past it, stale entries go, then arbitrary ones.
    size_t cache_capacity = 10'000;
  };

  AuthService(storage::AccountStore& accounts, const core::Clock& clock, IdSource& ids,
              std::string server_secret);
  AuthService(storage::AccountStore& accounts, const core::Clock& clock, IdSource& ids,
              std::string server_secret, Options options);

  // Unauthenticated with the exact API.md message for missing, doubled, malformed, unknown,
  // revoked or expired credentials.
  core::Result<core::Principal> Authenticate(const Credentials& credentials) const;

  // Creates a key for an existing account. NotFound if the account does not exist.
  core::Result<MintedKey> MintKey(std::string_view account_id,
                                  std::optional<core::Millis> expires_at);

  // Revokes the key with this id (storage's RevokeApiKey at the clock's time) and drops it from
  // the cache, so it is refused from the next request on. NotFound if there is no such key.
  core::Status RevokeKey(std::string_view key_id);

  // Forgets every cached key, for callers that changed keys or memberships through storage
  // directly.
  void ClearCache();

  // Keys currently cached (for tests and metrics).
  size_t cached_keys() const;

  // Hex HMAC-SHA256 of `key` under the server secret.
  std::string HashKey(std::string_view key) const;

 private:
  struct CacheEntry {
    core::ApiKey key;
    core::Principal principal;
    core::Millis cached_at{};
  };

  // The cached entry for `hash` if it is fresh at `now`, else nullptr.
  std::shared_ptr<const CacheEntry> Lookup(const std::string& hash, core::Millis now) const;
  void Remember(const std::string& hash, std::shared_ptr<const CacheEntry> entry) const;

  storage::AccountStore& accounts_;
  const core::Clock& clock_;
  IdSource& ids_;
  const std::string secret_;
  const Options options_;

  // HMAC-SHA256 keyed with secret_, set up once; each hash works on a copy (copying is much
  // cheaper than fetching the algorithm and keying a new context). Null if OpenSSL could not
  // set it up, in which case HashKey keys a new context every time.
  struct MacContextDeleter {
    void operator()(evp_mac_ctx_st* ctx) const;
  };
  mutable std::mutex mac_mu_;  // guards copying keyed_mac_
  std::unique_ptr<evp_mac_ctx_st, MacContextDeleter> keyed_mac_;

  mutable std::mutex cache_mu_;
  // Keyed by the key's hash. Entries are immutable and shared, so a hit copies a pointer
  // under the lock and the principal outside it. GUARDED_BY(cache_mu_)
  mutable std::unordered_map<std::string, std::shared_ptr<const CacheEntry>> cache_;
};

}  // namespace backbeat::service
