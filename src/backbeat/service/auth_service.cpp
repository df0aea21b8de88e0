#include "backbeat/service/auth_service.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>

#include <cctype>
#include <memory>
#include <utility>

namespace backbeat::service {
namespace {

constexpr std::string_view kKeyPrefix = "bb_sk_";
constexpr size_t kKeyRandomBytes = 32;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  return true;
}

core::Status Unauthorized() { return core::Unauthenticated("Unauthorized"); }

}  // namespace

AuthService::AuthService(storage::AccountStore& accounts, const core::Clock& clock, IdSource& ids,
                         std::string server_secret)
    : AuthService(accounts, clock, ids, std::move(server_secret), Options{}) {}

AuthService::AuthService(storage::AccountStore& accounts, const core::Clock& clock, IdSource& ids,
                         std::string server_secret, Options options)
    : accounts_(accounts),
      clock_(clock),
      ids_(ids),
      secret_(std::move(server_secret)),
      options_(options) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (mac == nullptr) return;
  std::unique_ptr<EVP_MAC_CTX, MacContextDeleter> ctx(EVP_MAC_CTX_new(mac));
  EVP_MAC_free(mac);  // the context holds its own reference
  if (!ctx) return;
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0),
                               OSSL_PARAM_construct_end()};
  if (EVP_MAC_init(ctx.get(), reinterpret_cast<const unsigned char*>(secret_.data()),
                   secret_.size(), params) != 1) {
    return;
  }
  keyed_mac_ = std::move(ctx);
}

void AuthService::MacContextDeleter::operator()(evp_mac_ctx_st* ctx) const {
  EVP_MAC_CTX_free(ctx);
}

std::string AuthService::HashKey(std::string_view key) const {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_MAC_CTX* copy = nullptr;
  if (keyed_mac_) {
    std::lock_guard lock(mac_mu_);
    copy = EVP_MAC_CTX_dup(keyed_mac_.get());
  }
  size_t out_len = 0;
  if (copy != nullptr &&
      EVP_MAC_update(copy, reinterpret_cast<const unsigned char*>(key.data()), key.size()) == 1 &&
      EVP_MAC_final(copy, mac, &out_len, sizeof(mac)) == 1) {
    len = static_cast<unsigned int>(out_len);
  } else {
    HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
         reinterpret_cast<const unsigned char*>(key.data()), key.size(), mac, &len);
  }
  EVP_MAC_CTX_free(copy);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[mac[i] >> 4];
    out += kHex[mac[i] & 15];
  }
  return out;
}

core::Result<core::Principal> AuthService::Authenticate(const Credentials& credentials) const {
  std::optional<std::string_view> api_key = credentials.x_api_key;
  std::optional<std::string_view> authorization = credentials.authorization;
  if (api_key && Trim(*api_key).empty()) api_key.reset();
  if (authorization && Trim(*authorization).empty()) authorization.reset();
  if (api_key.has_value() == authorization.has_value()) {
    return core::Unauthenticated("Exactly one of x-api-key or Authorization must be provided");
  }
  std::string_view key;
  if (api_key) {
    key = Trim(*api_key);
  } else {
    std::string_view value = Trim(*authorization);
    // RFC 7235: the scheme name is case-insensitive; one or more spaces before the token.
    if (!StartsWithIgnoreCase(value, "bearer") || value.size() <= 6 ||
        (value[6] != ' ' && value[6] != '\t')) {
      return core::Unauthenticated("Authorization header with Bearer token required");
    }
    key = Trim(value.substr(6));
    if (key.empty() || key.find_first_of(" \t") != std::string_view::npos) {
      return core::Unauthenticated("Authorization header with Bearer token required");
    }
  }
  if (key.size() > 256) return Unauthorized();

  const std::string hash = HashKey(key);
  const core::Millis now = clock_.Now();
  std::shared_ptr<const CacheEntry> cached = Lookup(hash, now);
  core::ApiKey fetched;
  const core::ApiKey* stored = nullptr;
  if (cached) {
    stored = &cached->key;
  } else {
    core::Result<core::ApiKey> found = accounts_.FindApiKeyByHash(hash);
    if (!found.ok()) {
      return found.status().code() == core::ErrorCode::kNotFound ? Unauthorized() : found.status();
    }
    fetched = std::move(found).value();
    stored = &fetched;
  }
  // The lookup matched on the hash already; compare again in constant time so that no
  // backend's index behaviour can turn into a timing oracle.
  if (stored->hash.size() != hash.size() ||
      CRYPTO_memcmp(stored->hash.data(), hash.data(), hash.size()) != 0) {
    return Unauthorized();
  }
  // Checked on every request, cached or not: a key expires on time even while cached.
  if (stored->revoked_at || (stored->expires_at && *stored->expires_at <= now)) {
    return Unauthorized();
  }
  if (cached) return cached->principal;
  core::Result<core::Principal> principal = accounts_.PrincipalFor(stored->account_id);
  if (!principal.ok()) {
    return principal.status().code() == core::ErrorCode::kNotFound ? Unauthorized()
                                                                   : principal.status();
  }
  if (options_.cache_ttl > std::chrono::milliseconds::zero() && options_.cache_capacity > 0) {
    Remember(hash,
             std::make_shared<const CacheEntry>(CacheEntry{std::move(fetched), *principal, now}));
  }
  return principal;
}

std::shared_ptr<const AuthService::CacheEntry> AuthService::Lookup(const std::string& hash,
                                                                   core::Millis now) const {
  if (options_.cache_ttl <= std::chrono::milliseconds::zero()) return nullptr;
  std::lock_guard lock(cache_mu_);
  auto it = cache_.find(hash);
  if (it == cache_.end()) return nullptr;
  const core::Millis cached_at = it->second->cached_at;
  if (now < cached_at || now - cached_at >= options_.cache_ttl) {
    cache_.erase(it);
    return nullptr;
  }
  return it->second;
}

void AuthService::Remember(const std::string& hash, std::shared_ptr<const CacheEntry> entry) const {
  const core::Millis now = entry->cached_at;
  std::lock_guard lock(cache_mu_);
  if (cache_.size() >= options_.cache_capacity && cache_.find(hash) == cache_.end()) {
    // Full: drop what is stale; if everything is fresh, drop arbitrary entries (they are only
    // looked up again). Either way the map never grows past the capacity.
    std::erase_if(cache_, [&](const auto& item) {
      const core::Millis at = item.second->cached_at;
      return now < at || now - at >= options_.cache_ttl;
    });
    while (cache_.size() >= options_.cache_capacity) cache_.erase(cache_.begin());
  }
  cache_.insert_or_assign(hash, std::move(entry));
}

core::Status AuthService::RevokeKey(std::string_view key_id) {
  core::Status revoked = accounts_.RevokeApiKey(key_id, clock_.Now());
  // Dropped whatever the outcome: a failed revoke must not leave a stale entry behind either.
  {
    std::lock_guard lock(cache_mu_);
    std::erase_if(cache_, [&](const auto& item) { return item.second->key.id == key_id; });
  }
  return revoked;
}

void AuthService::ClearCache() {
  std::lock_guard lock(cache_mu_);
  cache_.clear();
}

size_t AuthService::cached_keys() const {
  std::lock_guard lock(cache_mu_);
  return cache_.size();
}

core::Result<MintedKey> AuthService::MintKey(std::string_view account_id,
                                             std::optional<core::Millis> expires_at) {
  core::Result<core::Account> account = accounts_.GetAccount(account_id);
  if (!account.ok()) return account.status();
  MintedKey minted;
  minted.key = std::string(kKeyPrefix) + ids_.NewToken(kKeyRandomBytes);
  minted.stored.id = "key_" + ids_.NewToken(12);
  minted.stored.account_id = std::string(account_id);
  minted.stored.hash = HashKey(minted.key);
  minted.stored.prefix = minted.key.substr(0, kKeyPrefix.size() + 6);
  minted.stored.created_at = clock_.Now();
  minted.stored.expires_at = expires_at;
  if (core::Status s = accounts_.CreateApiKey(minted.stored); !s.ok()) return s;
  return minted;
}

}  // namespace backbeat::service
