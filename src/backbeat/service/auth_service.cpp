#include "backbeat/service/auth_service.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cctype>

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

AuthService::AuthService(storage::AccountStore& accounts, const core::Clock& clock,
                         IdSource& ids, std::string server_secret)
    : accounts_(accounts), clock_(clock), ids_(ids), secret_(std::move(server_secret)) {}

std::string AuthService::HashKey(std::string_view key) const {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
       reinterpret_cast<const unsigned char*>(key.data()), key.size(), mac, &len);
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
  core::Result<core::ApiKey> stored = accounts_.FindApiKeyByHash(hash);
  if (!stored.ok()) {
    return stored.status().code() == core::ErrorCode::kNotFound ? Unauthorized()
                                                                : stored.status();
  }
  // The lookup matched on the hash already; compare again in constant time so that no
  // backend's index behaviour can turn into a timing oracle.
  if (stored->hash.size() != hash.size() ||
      CRYPTO_memcmp(stored->hash.data(), hash.data(), hash.size()) != 0) {
    return Unauthorized();
  }
  const core::Millis now = clock_.Now();
  if (stored->revoked_at || (stored->expires_at && *stored->expires_at <= now)) {
    return Unauthorized();
  }
  core::Result<core::Principal> principal = accounts_.PrincipalFor(stored->account_id);
  if (!principal.ok()) {
    return principal.status().code() == core::ErrorCode::kNotFound ? Unauthorized()
                                                                   : principal.status();
  }
  return principal;
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
