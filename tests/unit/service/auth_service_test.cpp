// AuthService's authentication cache: hits skip storage, the TTL bounds reuse on an injected
// clock, expiry is checked against the current time on every hit, revocation through the
// service takes effect at once, failures are never cached, and the cache stays bounded.

#include "backbeat/service/auth_service.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace backbeat::service {
namespace {

using core::ErrorCode;
using core::Millis;
using std::chrono::milliseconds;

class FakeClock final : public core::Clock {
 public:
  Millis Now() const override { return Millis{std::chrono::milliseconds{now_ms_.load()}}; }
  void Set(int64_t ms) { now_ms_ = ms; }
  void Advance(int64_t ms) { now_ms_ += ms; }

 private:
  std::atomic<int64_t> now_ms_{1'800'000'000'000};
};

class FixedIds final : public IdSource {
 public:
  std::string NewUuid() override { return "uuid-" + Next(); }
  std::string NewRunId() override { return "run_" + Next(); }
  std::string NewToken(size_t) override { return "token" + Next(); }

 private:
  std::string Next() { return std::to_string(++n_); }
  std::atomic<int> n_{0};
};

// Keys and principals in maps, counting the reads the cache should save.
class CountingAccounts final : public storage::AccountStore {
 public:
  core::Status CreateAccount(const core::Account& account) override {
    std::lock_guard lock(mu_);
    accounts_[account.id] = account;
    return core::Status::Ok();
  }
  core::Result<core::Account> GetAccount(std::string_view id) override {
    std::lock_guard lock(mu_);
    auto it = accounts_.find(std::string(id));
    if (it == accounts_.end()) return core::NotFound("no account");
    return it->second;
  }
  core::Result<std::vector<core::Account>> ListAccounts() override { return Unused(); }
  core::Status CreateOrganization(const core::Organization&) override { return Unused(); }
  core::Result<core::Organization> GetOrganization(std::string_view) override { return Unused(); }
  core::Result<std::vector<core::Organization>> ListOrganizations() override { return Unused(); }
  core::Status AddMember(std::string_view, std::string_view) override { return Unused(); }
  core::Result<core::Principal> PrincipalFor(std::string_view account_id) override {
    std::lock_guard lock(mu_);
    ++principal_reads;
    if (!accounts_.contains(std::string(account_id))) return core::NotFound("no account");
    if (unavailable) return core::Unavailable("database is locked");
    core::Principal p;
    p.account_id = std::string(account_id);
    p.scope = {p.account_id};
    p.is_admin = admin;
    return p;
  }
  core::Status CreateApiKey(const core::ApiKey& key) override {
    std::lock_guard lock(mu_);
    keys_[key.hash] = key;
    return core::Status::Ok();
  }
  core::Result<core::ApiKey> FindApiKeyByHash(std::string_view hash) override {
    std::lock_guard lock(mu_);
    ++key_reads;
    auto it = keys_.find(std::string(hash));
    if (it == keys_.end()) return core::NotFound("no key");
    return it->second;
  }
  core::Result<std::vector<core::ApiKey>> ListApiKeys(std::optional<std::string_view>) override {
    return Unused();
  }
  core::Status RevokeApiKey(std::string_view id, Millis at) override {
    std::lock_guard lock(mu_);
    for (auto& [hash, key] : keys_) {
      if (key.id == id) {
        if (!key.revoked_at) key.revoked_at = at;
        return core::Status::Ok();
      }
    }
    return core::NotFound("no key");
  }

  int key_reads = 0;        // GUARDED_BY(mu_) in spirit; tests read it between calls
  int principal_reads = 0;  // likewise
  bool admin = false;
  bool unavailable = false;

 private:
  static core::Status Unused() { return core::Internal("not used by these tests"); }

  std::mutex mu_;
  std::map<std::string, core::Account> accounts_;
  std::map<std::string, core::ApiKey> keys_;
};

constexpr std::string_view kAccount = "11111111-1111-4111-8111-111111111111";

class AuthCacheTest : public ::testing::Test {
 protected:
  AuthService Make(AuthService::Options options = {}) {
    return AuthService(accounts_, clock_, ids_, "server-secret", options);
  }
  std::string Mint(AuthService& auth, std::optional<Millis> expires_at = std::nullopt) {
    auto minted = auth.MintKey(kAccount, expires_at);
    EXPECT_TRUE(minted.ok()) << minted.status().ToString();
    return minted.ok() ? minted->key : std::string();
  }
  static core::Result<core::Principal> Call(const AuthService& auth, const std::string& key) {
    return auth.Authenticate({.x_api_key = key, .authorization = std::nullopt});
  }
  void SetUp() override {
    ASSERT_TRUE(accounts_.CreateAccount({std::string(kAccount), "a", {"a@example.com"}, {}}).ok());
  }

  CountingAccounts accounts_;
  FakeClock clock_;
  FixedIds ids_;
};

TEST_F(AuthCacheTest, SecondCallWithinTtlReadsNothing) {
  AuthService auth = Make({.cache_ttl = milliseconds{2000}});
  const std::string key = Mint(auth);
  auto first = Call(auth, key);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(accounts_.key_reads, 1);
  EXPECT_EQ(accounts_.principal_reads, 1);
  clock_.Advance(1999);
  auto second = Call(auth, key);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->account_id, first->account_id);
  EXPECT_EQ(second->scope, first->scope);
  EXPECT_EQ(accounts_.key_reads, 1);
  EXPECT_EQ(accounts_.principal_reads, 1);
  EXPECT_EQ(auth.cached_keys(), 1u);
}

TEST_F(AuthCacheTest, EntryIsReadAgainOnceTheTtlHasPassed) {
  AuthService auth = Make({.cache_ttl = milliseconds{2000}});
  const std::string key = Mint(auth);
  ASSERT_TRUE(Call(auth, key).ok());
  accounts_.admin = true;  // a membership change made elsewhere
  clock_.Advance(1000);
  EXPECT_FALSE(Call(auth, key)->is_admin) << "within the TTL the cached principal is used";
  clock_.Advance(1000);
  auto fresh = Call(auth, key);
  ASSERT_TRUE(fresh.ok());
  EXPECT_TRUE(fresh->is_admin) << "at the TTL the principal is read again";
  EXPECT_EQ(accounts_.key_reads, 2);
}

TEST_F(AuthCacheTest, ZeroTtlDisablesTheCache) {
  AuthService auth = Make({.cache_ttl = milliseconds{0}});
  const std::string key = Mint(auth);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Call(auth, key).ok());
  EXPECT_EQ(accounts_.key_reads, 3);
  EXPECT_EQ(accounts_.principal_reads, 3);
  EXPECT_EQ(auth.cached_keys(), 0u);
}

TEST_F(AuthCacheTest, CachedKeyStillExpiresOnTime) {
  AuthService auth = Make({.cache_ttl = milliseconds{60'000}});
  const std::string key = Mint(auth, clock_.Now() + milliseconds{500});
  ASSERT_TRUE(Call(auth, key).ok());
  clock_.Advance(499);
  EXPECT_TRUE(Call(auth, key).ok());
  clock_.Advance(1);
  auto expired = Call(auth, key);
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.status().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(expired.status().message(), "Unauthorized");
  EXPECT_EQ(accounts_.key_reads, 1) << "expiry is checked on the cached key, without a read";
}

TEST_F(AuthCacheTest, RevocationThroughTheServiceTakesEffectAtOnce) {
  AuthService auth = Make({.cache_ttl = milliseconds{60'000}});
  auto minted = auth.MintKey(kAccount, std::nullopt);
  ASSERT_TRUE(minted.ok());
  ASSERT_TRUE(Call(auth, minted->key).ok());
  ASSERT_EQ(auth.cached_keys(), 1u);
  ASSERT_TRUE(auth.RevokeKey(minted->stored.id).ok());
  EXPECT_EQ(auth.cached_keys(), 0u);
  auto refused = Call(auth, minted->key);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(auth.RevokeKey("key_missing").code(), ErrorCode::kNotFound);
}

TEST_F(AuthCacheTest, RevocationElsewhereIsSeenWithinTheTtl) {
  AuthService auth = Make({.cache_ttl = milliseconds{2000}});
  auto minted = auth.MintKey(kAccount, std::nullopt);
  ASSERT_TRUE(minted.ok());
  ASSERT_TRUE(Call(auth, minted->key).ok());
  // Another process revokes the key in storage directly.
  ASSERT_TRUE(accounts_.RevokeApiKey(minted->stored.id, clock_.Now()).ok());
  clock_.Advance(1999);
  EXPECT_TRUE(Call(auth, minted->key).ok()) << "the documented staleness bound";
  clock_.Advance(1);
  EXPECT_FALSE(Call(auth, minted->key).ok());
  auth.ClearCache();
  EXPECT_EQ(auth.cached_keys(), 0u);
}

TEST_F(AuthCacheTest, FailuresAreNotCached) {
  AuthService auth = Make();
  EXPECT_FALSE(Call(auth, "bb_sk_unknown").ok());
  EXPECT_EQ(auth.cached_keys(), 0u);
  const std::string key = Mint(auth);
  accounts_.unavailable = true;
  auto failed = Call(auth, key);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(auth.cached_keys(), 0u);
  accounts_.unavailable = false;
  EXPECT_TRUE(Call(auth, key).ok());
  EXPECT_EQ(auth.cached_keys(), 1u);
}

TEST_F(AuthCacheTest, ClockSteppingBackMakesEntriesStale) {
  AuthService auth = Make({.cache_ttl = milliseconds{2000}});
  const std::string key = Mint(auth);
  ASSERT_TRUE(Call(auth, key).ok());
  clock_.Advance(-10);
  ASSERT_TRUE(Call(auth, key).ok());
  EXPECT_EQ(accounts_.key_reads, 2);
}

TEST_F(AuthCacheTest, CacheNeverHoldsMoreThanItsCapacity) {
  AuthService auth = Make({.cache_ttl = milliseconds{60'000}, .cache_capacity = 3});
  std::vector<std::string> keys;
  for (int i = 0; i < 6; ++i) keys.push_back(Mint(auth));
  for (const std::string& key : keys) {
    ASSERT_TRUE(Call(auth, key).ok());
    EXPECT_LE(auth.cached_keys(), 3u);
  }
  EXPECT_EQ(auth.cached_keys(), 3u);
  // Every key still authenticates, cached or not.
  for (const std::string& key : keys) EXPECT_TRUE(Call(auth, key).ok());
}

TEST_F(AuthCacheTest, HashKeyIsHmacSha256UnderTheSecret) {
  // RFC 4231 test case 2: stored hashes must stay valid across versions.
  AuthService auth(accounts_, clock_, ids_, "Jefe");
  EXPECT_EQ(auth.HashKey("what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(auth.HashKey("what do ya want for nothing?"),
            auth.HashKey("what do ya want for nothing?"));
}

}  // namespace
}  // namespace backbeat::service
