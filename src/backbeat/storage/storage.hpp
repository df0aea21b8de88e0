#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backbeat/core/account/account.hpp"
#include "backbeat/core/status.hpp"
#include "backbeat/core/task/run.hpp"
#include "backbeat/core/task/task.hpp"

namespace backbeat::storage {

// Where a page ends: lists are ordered newest first by (created_at, id), and the next page
// starts strictly after this pair.
struct PageCursor {
  core::Millis created_at{};
  std::string id;
  friend bool operator==(const PageCursor&, const PageCursor&) = default;
};

struct TaskQuery {
  std::optional<std::string> id;
  // Only tasks owned by these accounts; nullopt means any account (admin reads).
  std::optional<std::vector<std::string>> account_ids;
  std::optional<std::string> artist_account_id;
  std::optional<bool> enabled;
  size_t limit = 100;
  std::optional<PageCursor> after;
};

struct RunQuery {
  std::optional<std::string> id;
  std::optional<std::vector<std::string>> account_ids;  // nullopt: any account
  std::optional<std::string> task_id;
  std::optional<core::RunStatus> status;
  size_t limit = 20;
  std::optional<PageCursor> after;
};

// All methods are thread-safe and blocking: call them from a storage pool, never from an I/O
// thread. Every write is durable (committed and synced) when it returns OK. Backend failures
// map to kUnavailable (retry the call) or kAborted (retry the transaction).
class TaskStore {
 public:
  virtual ~TaskStore() = default;
  // Inserts the task and its schedule atomically. AlreadyExists if the id is taken.
  virtual core::Status Create(const core::Task& task) = 0;
  // NotFound if there is no such task.
  virtual core::Result<core::Task> Get(std::string_view id) = 0;
  // Matching tasks, newest first, at most `limit`.
  virtual core::Result<std::vector<core::Task>> List(const TaskQuery& query) = 0;
  // Replaces every field of the stored task with the same id, atomically. NotFound if absent.
  virtual core::Status Update(const core::Task& task) = 0;
  // Deletes the task and its schedule atomically; its runs stay. NotFound if absent.
  virtual core::Status Delete(std::string_view id) = 0;
  // How many tasks exist (all accounts).
  virtual core::Result<size_t> Count() = 0;
};

class RunStore {
 public:
  virtual ~RunStore() = default;
  // Inserts a run. AlreadyExists if the id, or the (task_id, slot) pair for slot runs, is taken:
  // a slot can never produce two runs.
  virtual core::Status Insert(const core::Run& run) = 0;
  // NotFound if there is no such run.
  virtual core::Result<core::Run> Get(std::string_view id) = 0;
  // Matching runs, newest first, at most `limit`.
  virtual core::Result<std::vector<core::Run>> List(const RunQuery& query) = 0;
};

class AccountStore {
 public:
  virtual ~AccountStore() = default;
  // AlreadyExists if the id or one of the emails (case-insensitively) is taken.
  virtual core::Status CreateAccount(const core::Account& account) = 0;
  virtual core::Result<core::Account> GetAccount(std::string_view id) = 0;
  // Every account, oldest first by (created_at, id).
  virtual core::Result<std::vector<core::Account>> ListAccounts() = 0;
  // AlreadyExists if the id or the name is taken.
  virtual core::Status CreateOrganization(const core::Organization& org) = 0;
  virtual core::Result<core::Organization> GetOrganization(std::string_view id) = 0;
  // Every organization, oldest first by (created_at, id).
  virtual core::Result<std::vector<core::Organization>> ListOrganizations() = 0;
  // Idempotent. NotFound if the organization or the account does not exist.
  virtual core::Status AddMember(std::string_view org_id, std::string_view account_id) = 0;
  // Whether the account belongs to an admin organization, and every account that shares an
  // organization with it (itself included). NotFound if the account does not exist.
  virtual core::Result<core::Principal> PrincipalFor(std::string_view account_id) = 0;

  // AlreadyExists if the id or hash is taken; NotFound if the account does not exist.
  virtual core::Status CreateApiKey(const core::ApiKey& key) = 0;
  // The key with this hash, revoked or expired ones included. NotFound if none.
  virtual core::Result<core::ApiKey> FindApiKeyByHash(std::string_view hash) = 0;
  // Keys of one account, or of all accounts when nullopt; oldest first by (created_at, id).
  virtual core::Result<std::vector<core::ApiKey>> ListApiKeys(
      std::optional<std::string_view> account_id) = 0;
  // Marks the key revoked at `at` (idempotent: a second revoke keeps the first time).
  // NotFound if absent.
  virtual core::Status RevokeApiKey(std::string_view id, core::Millis at) = 0;
};

// One backend: the three stores over one database. Owned by the app; outlives its users.
class Storage {
 public:
  virtual ~Storage() = default;
  virtual TaskStore& tasks() = 0;
  virtual RunStore& runs() = 0;
  virtual AccountStore& accounts() = 0;
  // A cheap check that the database answers (for /readyz).
  virtual core::Status Ping() = 0;
};

}  // namespace backbeat::storage
