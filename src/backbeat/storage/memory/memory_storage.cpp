#include "backbeat/storage/memory/memory_storage.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace backbeat::storage::memory {
namespace {

using core::Status;

// Case folding that matches SQLite's built-in lower(): ASCII only, so every backend agrees on
// which emails collide.
std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool Contains(const std::optional<std::vector<std::string>>& ids, const std::string& id) {
  return !ids || std::find(ids->begin(), ids->end(), id) != ids->end();
}

// Sorts newest first by (created_at, id), drops everything up to and including the cursor, and
// keeps at most `limit`: the ordering every list of the interface promises.
template <typename T>
std::vector<T> NewestFirstPage(std::vector<const T*> rows, const std::optional<PageCursor>& after,
                               size_t limit) {
  auto key = [](const T* r) { return std::tie(r->created_at, r->id); };
  std::sort(rows.begin(), rows.end(), [&](const T* a, const T* b) { return key(a) > key(b); });
  std::vector<T> out;
  for (const T* r : rows) {
    if (out.size() >= limit) break;
    if (after && !(key(r) < std::tie(after->created_at, after->id))) continue;
    out.push_back(*r);
  }
  return out;
}

template <typename T>
std::vector<T> OldestFirst(std::vector<T> rows) {
  std::sort(rows.begin(), rows.end(), [](const T& a, const T& b) {
    return std::tie(a.created_at, a.id) < std::tie(b.created_at, b.id);
  });
  return rows;
}

// Everything the three stores share. All fields are guarded by `mu`.
struct State {
  std::mutex mu;
  std::map<std::string, core::Task, std::less<>> tasks;
  std::map<std::string, core::Run, std::less<>> runs;
  std::set<std::pair<std::string, core::Instant>> run_slots;  // (task_id, slot) taken
  std::map<std::string, core::Account, std::less<>> accounts;
  std::map<std::string, std::string, std::less<>> email_owner;  // lowercased email -> account
  std::map<std::string, core::Organization, std::less<>> orgs;
  std::set<std::string, std::less<>> org_names;
  std::set<std::pair<std::string, std::string>> memberships;  // (org_id, account_id)
  std::map<std::string, core::ApiKey, std::less<>> keys;
  std::map<std::string, std::string, std::less<>> key_by_hash;  // hash -> key id
};

class MemoryTaskStore final : public TaskStore {
 public:
  explicit MemoryTaskStore(State& state) : s_(state) {}

  Status Create(const core::Task& task) override {
    std::lock_guard lock(s_.mu);
    if (!s_.tasks.emplace(task.id, task).second) {
      return core::AlreadyExists("task " + task.id + " already exists");
    }
    return Status::Ok();
  }

  core::Result<core::Task> Get(std::string_view id) override {
    std::lock_guard lock(s_.mu);
    auto it = s_.tasks.find(id);
    if (it == s_.tasks.end()) return core::NotFound("task " + std::string(id) + " not found");
    return it->second;
  }

  core::Result<std::vector<core::Task>> List(const TaskQuery& q) override {
    std::lock_guard lock(s_.mu);
    std::vector<const core::Task*> matches;
    for (const auto& [id, t] : s_.tasks) {
      if (q.id && t.id != *q.id) continue;
      if (!Contains(q.account_ids, t.account_id)) continue;
      if (q.artist_account_id && t.artist_account_id != *q.artist_account_id) continue;
      if (q.enabled && t.enabled != *q.enabled) continue;
      matches.push_back(&t);
    }
    return NewestFirstPage(std::move(matches), q.after, q.limit);
  }

  Status Update(const core::Task& task) override {
    std::lock_guard lock(s_.mu);
    auto it = s_.tasks.find(task.id);
    if (it == s_.tasks.end()) return core::NotFound("task " + task.id + " not found");
    it->second = task;
    return Status::Ok();
  }

  Status Delete(std::string_view id) override {
    std::lock_guard lock(s_.mu);
    auto it = s_.tasks.find(id);
    if (it == s_.tasks.end()) return core::NotFound("task " + std::string(id) + " not found");
    s_.tasks.erase(it);
    return Status::Ok();
  }

  core::Result<size_t> Count() override {
    std::lock_guard lock(s_.mu);
    return s_.tasks.size();
  }

 private:
  State& s_;
};

class MemoryRunStore final : public RunStore {
 public:
  explicit MemoryRunStore(State& state) : s_(state) {}

  Status Insert(const core::Run& run) override {
    std::lock_guard lock(s_.mu);
    if (s_.runs.contains(run.id)) return core::AlreadyExists("run " + run.id + " already exists");
    if (run.slot && s_.run_slots.contains({run.task_id, *run.slot})) {
      return core::AlreadyExists("task " + run.task_id + " already has a run for slot " +
                                 core::FormatIso8601(*run.slot));
    }
    s_.runs.emplace(run.id, run);
    if (run.slot) s_.run_slots.emplace(run.task_id, *run.slot);
    return Status::Ok();
  }

  core::Result<core::Run> Get(std::string_view id) override {
    std::lock_guard lock(s_.mu);
    auto it = s_.runs.find(id);
    if (it == s_.runs.end()) return core::NotFound("run " + std::string(id) + " not found");
    return it->second;
  }

  core::Result<std::vector<core::Run>> List(const RunQuery& q) override {
    std::lock_guard lock(s_.mu);
    std::vector<const core::Run*> matches;
    for (const auto& [id, r] : s_.runs) {
      if (q.id && r.id != *q.id) continue;
      if (!Contains(q.account_ids, r.account_id)) continue;
      if (q.task_id && r.task_id != *q.task_id) continue;
      if (q.status && r.status != *q.status) continue;
      matches.push_back(&r);
    }
    return NewestFirstPage(std::move(matches), q.after, q.limit);
  }

 private:
  State& s_;
};

class MemoryAccountStore final : public AccountStore {
 public:
  explicit MemoryAccountStore(State& state) : s_(state) {}

  Status CreateAccount(const core::Account& account) override {
    std::lock_guard lock(s_.mu);
    if (s_.accounts.contains(account.id)) {
      return core::AlreadyExists("account " + account.id + " already exists");
    }
    std::set<std::string> lowered;
    for (const std::string& email : account.emails) {
      std::string key = AsciiLower(email);
      if (s_.email_owner.contains(key) || !lowered.insert(key).second) {
        return core::AlreadyExists("email " + email + " is already taken");
      }
    }
    for (const std::string& key : lowered) s_.email_owner.emplace(key, account.id);
    s_.accounts.emplace(account.id, account);
    return Status::Ok();
  }

  core::Result<core::Account> GetAccount(std::string_view id) override {
    std::lock_guard lock(s_.mu);
    auto it = s_.accounts.find(id);
    if (it == s_.accounts.end()) return core::NotFound("account " + std::string(id) + " not found");
    return it->second;
  }

  core::Result<std::vector<core::Account>> ListAccounts() override {
    std::lock_guard lock(s_.mu);
    std::vector<core::Account> out;
    for (const auto& [id, a] : s_.accounts) out.push_back(a);
    return OldestFirst(std::move(out));
  }

  Status CreateOrganization(const core::Organization& org) override {
    std::lock_guard lock(s_.mu);
    if (s_.orgs.contains(org.id)) {
      return core::AlreadyExists("organization " + org.id + " already exists");
    }
    if (s_.org_names.contains(org.name)) {
      return core::AlreadyExists("organization name " + org.name + " is already taken");
    }
    s_.orgs.emplace(org.id, org);
    s_.org_names.insert(org.name);
    return Status::Ok();
  }

  core::Result<core::Organization> GetOrganization(std::string_view id) override {
    std::lock_guard lock(s_.mu);
    auto it = s_.orgs.find(id);
    if (it == s_.orgs.end()) {
      return core::NotFound("organization " + std::string(id) + " not found");
    }
    return it->second;
  }

  core::Result<std::vector<core::Organization>> ListOrganizations() override {
    std::lock_guard lock(s_.mu);
    std::vector<core::Organization> out;
    for (const auto& [id, o] : s_.orgs) out.push_back(o);
    return OldestFirst(std::move(out));
  }

  Status AddMember(std::string_view org_id, std::string_view account_id) override {
    std::lock_guard lock(s_.mu);
    if (!s_.orgs.contains(org_id)) {
      return core::NotFound("organization " + std::string(org_id) + " not found");
    }
    if (!s_.accounts.contains(account_id)) {
      return core::NotFound("account " + std::string(account_id) + " not found");
    }
    s_.memberships.emplace(std::string(org_id), std::string(account_id));
    return Status::Ok();
  }

  core::Result<core::Principal> PrincipalFor(std::string_view account_id) override {
    std::lock_guard lock(s_.mu);
    if (!s_.accounts.contains(account_id)) {
      return core::NotFound("account " + std::string(account_id) + " not found");
    }
    core::Principal p;
    p.account_id = std::string(account_id);
    std::set<std::string> scope{p.account_id};
    for (const auto& [org_id, member] : s_.memberships) {
      if (member != account_id) continue;
      if (s_.orgs.at(org_id).is_admin) p.is_admin = true;
      for (const auto& [other_org, other] : s_.memberships) {
        if (other_org == org_id) scope.insert(other);
      }
    }
    p.scope.assign(scope.begin(), scope.end());
    return p;
  }

  Status CreateApiKey(const core::ApiKey& key) override {
    std::lock_guard lock(s_.mu);
    if (!s_.accounts.contains(key.account_id)) {
      return core::NotFound("account " + key.account_id + " not found");
    }
    if (s_.keys.contains(key.id))
      return core::AlreadyExists("api key " + key.id + " already exists");
    if (s_.key_by_hash.contains(key.hash)) {
      return core::AlreadyExists("an api key with this hash already exists");
    }
    s_.keys.emplace(key.id, key);
    s_.key_by_hash.emplace(key.hash, key.id);
    return Status::Ok();
  }

  core::Result<core::ApiKey> FindApiKeyByHash(std::string_view hash) override {
    std::lock_guard lock(s_.mu);
    auto it = s_.key_by_hash.find(hash);
    if (it == s_.key_by_hash.end()) return core::NotFound("api key not found");
    return s_.keys.at(it->second);
  }

  core::Result<std::vector<core::ApiKey>> ListApiKeys(
      std::optional<std::string_view> account_id) override {
    std::lock_guard lock(s_.mu);
    std::vector<core::ApiKey> out;
    for (const auto& [id, k] : s_.keys) {
      if (!account_id || k.account_id == *account_id) out.push_back(k);
    }
    return OldestFirst(std::move(out));
  }

  Status RevokeApiKey(std::string_view id, core::Millis at) override {
    std::lock_guard lock(s_.mu);
    auto it = s_.keys.find(id);
    if (it == s_.keys.end()) return core::NotFound("api key " + std::string(id) + " not found");
    if (!it->second.revoked_at) it->second.revoked_at = at;
    return Status::Ok();
  }

 private:
  State& s_;
};

}  // namespace

class MemoryStorage::Impl {
 public:
  State state;
  MemoryTaskStore tasks{state};
  MemoryRunStore runs{state};
  MemoryAccountStore accounts{state};
};

MemoryStorage::MemoryStorage() : impl_(std::make_unique<Impl>()) {}
MemoryStorage::~MemoryStorage() = default;

TaskStore& MemoryStorage::tasks() { return impl_->tasks; }
RunStore& MemoryStorage::runs() { return impl_->runs; }
AccountStore& MemoryStorage::accounts() { return impl_->accounts; }
core::Status MemoryStorage::Ping() { return core::Status::Ok(); }

}  // namespace backbeat::storage::memory
