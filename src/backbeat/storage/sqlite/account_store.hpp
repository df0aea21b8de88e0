#pragma once

#include "backbeat/storage/sqlite/group_committer.hpp"
#include "backbeat/storage/sqlite/read_pool.hpp"
#include "backbeat/storage/storage.hpp"

namespace backbeat::storage::sqlite {

// AccountStore over `accounts`, `account_emails`, `organizations`, `memberships` and
// `api_keys`. Each write is one unit of the group committer: its existence checks and inserts
// run in one transaction, so they cannot race with another write.
//
// Thread-safety: all methods may be called concurrently. Borrows the writer and the pool, which
// must outlive it.
class SqliteAccountStore final : public AccountStore {
 public:
  SqliteAccountStore(GroupCommitter& writer, ReadPool& readers)
      : writer_(writer), readers_(readers) {}

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
  GroupCommitter& writer_;
  ReadPool& readers_;
};

}  // namespace backbeat::storage::sqlite
