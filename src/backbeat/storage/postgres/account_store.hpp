#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "backbeat/storage/postgres/connection_pool.hpp"
#include "backbeat/storage/storage.hpp"

namespace backbeat::storage::postgres {

// AccountStore over `accounts`, `account_emails`, `organizations`, `memberships` and
// `api_keys`. A write of several rows is one transaction; reads are single statements, so each
// sees one snapshot.
//
// Thread-safety: all methods may be called concurrently. Borrows the pool, which must outlive
// it.
class PostgresAccountStore final : public AccountStore {
 public:
  explicit PostgresAccountStore(ConnectionPool& pool) : pool_(pool) {}

  core::Status CreateAccount(const core::Account& account) override;
  core::Result<core::Account> GetAccount(std::string_view id) override;
  core::Result<std::vector<core::Account>> ListAccounts() override;
  core::Status CreateOrganization(const core::Organization& org) override;
  core::Result<core::Organization> GetOrganization(std::string_view id) override;
  core::Result<std::vector<core::Organization>> ListOrganizations() override;
  core::Status AddMember(std::string_view org_id, std::string_view account_id) override;
  core::Result<core::Principal> PrincipalFor(std::string_view account_id) override;
  core::Status CreateApiKey(const core::ApiKey& key) override;
  core::Result<core::ApiKey> FindApiKeyByHash(std::string_view hash) override;
  core::Result<std::vector<core::ApiKey>> ListApiKeys(
      std::optional<std::string_view> account_id) override;
  core::Status RevokeApiKey(std::string_view id, core::Millis at) override;

 private:
  ConnectionPool& pool_;
};

}  // namespace backbeat::storage::postgres
