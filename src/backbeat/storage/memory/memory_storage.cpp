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
  std::vector<SlotSkip> skips;                                  // in recording order
};

bool Older(const core::Run& a, const core::Run& b) {
  return std::tie(a.created_at, a.id) < std::tie(b.created_at, b.id);
}

bool HasOlderActiveRun(const State& s, const core::Run& run) {
  for (const auto& [id, other] : s.runs) {
    if (other.task_id == run.task_id && id != run.id && core::IsActive(other.status) &&
        Older(other, run)) {
      return true;
    }
  }
  return false;
}

int ActiveRunsOf(const State& s, std::string_view task_id) {
  int n = 0;
  for (const auto& [id, r] : s.runs) {
    if (r.task_id == task_id && core::IsActive(r.status)) ++n;
  }
  return n;
}

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
    const core::Task& stored = it->second;
    const bool keep_slot = stored.schedule == task.schedule && stored.timezone == task.timezone &&
                           stored.enabled == task.enabled && stored.next_slot.has_value();
    std::optional<core::Instant> next_slot = keep_slot ? stored.next_slot : task.next_slot;
    it->second = task;
    it->second.next_slot = next_slot;
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

  core::Result<std::vector<core::Run>> Claim(
      const ClaimRequest& request, const std::function<core::Run(core::Run)>& start) override {
    std::lock_guard lock(s_.mu);
    std::vector<core::Run*> candidates;
    std::map<std::string, int> executing;  // account -> EXECUTING runs
    for (auto& [id, r] : s_.runs) {
      if (r.status == core::RunStatus::kExecuting) ++executing[r.account_id];
      if (!IsWaiting(r.status) || AvailableAt(r) > request.now) continue;
      if (std::optional<core::Millis> ttl = TtlDeadline(r); ttl && *ttl < request.now) continue;
      candidates.push_back(&r);
    }
    std::sort(candidates.begin(), candidates.end(), [](const core::Run* a, const core::Run* b) {
      return std::make_tuple(AvailableAt(*a), a->created_at, a->id) <
             std::make_tuple(AvailableAt(*b), b->created_at, b->id);
    });
    std::vector<core::Run> out;
    for (core::Run* r : candidates) {
      if (out.size() >= request.limit) break;
      if (request.per_account_limit > 0 && executing[r->account_id] >= request.per_account_limit) {
        continue;
      }
      if (r->exclusive && HasOlderActiveRun(s_, *r)) continue;
      *r = start(*r);
      ++executing[r->account_id];
      out.push_back(*r);
    }
    return out;
  }

  core::Result<std::vector<std::string>> Renew(std::string_view owner,
                                               const std::vector<std::string>& run_ids,
                                               core::Millis until) override {
    std::lock_guard lock(s_.mu);
    std::vector<std::string> lost;
    for (const std::string& id : run_ids) {
      auto it = s_.runs.find(id);
      if (it == s_.runs.end() || it->second.status != core::RunStatus::kExecuting ||
          it->second.lease_owner != owner) {
        lost.push_back(id);
        continue;
      }
      it->second.lease_expires_at = until;
    }
    return lost;
  }

  core::Result<std::vector<Status>> ReplaceIf(const std::vector<GuardedRun>& updates) override {
    std::lock_guard lock(s_.mu);
    std::vector<Status> out;
    for (const GuardedRun& u : updates) {
      auto it = s_.runs.find(u.run.id);
      if (it == s_.runs.end()) {
        out.push_back(core::NotFound("run " + u.run.id + " not found"));
      } else if (it->second.status != u.expected_status ||
                 (u.expected_owner && it->second.lease_owner != u.expected_owner)) {
        out.push_back(core::Aborted("run " + u.run.id + " changed"));
      } else {
        it->second = u.run;
        out.push_back(Status::Ok());
      }
    }
    return out;
  }

  core::Result<std::vector<core::Run>> ListStale(core::Millis now, size_t limit) override {
    std::lock_guard lock(s_.mu);
    std::vector<const core::Run*> stale;
    for (const auto& [id, r] : s_.runs) {
      bool lease_ended = r.status == core::RunStatus::kExecuting && r.lease_expires_at &&
                         *r.lease_expires_at < now;
      std::optional<core::Millis> ttl = TtlDeadline(r);
      bool expired = IsWaiting(r.status) && !r.started_at && ttl && *ttl < now;
      if (lease_ended || expired) stale.push_back(&r);
    }
    std::sort(stale.begin(), stale.end(),
              [](const core::Run* a, const core::Run* b) { return Older(*a, *b); });
    std::vector<core::Run> out;
    for (const core::Run* r : stale) {
      if (out.size() >= limit) break;
      out.push_back(*r);
    }
    return out;
  }

  core::Result<ManualRunResult> InsertManual(const ManualRunRequest& request) override {
    std::lock_guard lock(s_.mu);
    const core::Run& run = request.run;
    if (run.idempotency_key) {
      const core::Run* found = nullptr;
      for (const auto& [id, r] : s_.runs) {
        if (r.task_id == run.task_id && !r.slot && r.idempotency_key == run.idempotency_key &&
            r.created_at >= request.idempotency_since && (!found || Older(*found, r))) {
          found = &r;
        }
      }
      if (found) return ManualRunResult{*found, false};
    }
    if (request.refuse_if_active && ActiveRunsOf(s_, run.task_id) > 0) {
      return core::FailedPrecondition("Task already has an active run");
    }
    if (!s_.runs.emplace(run.id, run).second) {
      return core::AlreadyExists("run " + run.id + " already exists");
    }
    return ManualRunResult{run, true};
  }

  core::Result<size_t> Prune(core::Millis before, size_t limit) override {
    std::lock_guard lock(s_.mu);
    size_t n = 0;
    for (auto it = s_.runs.begin(); it != s_.runs.end() && n < limit;) {
      const core::Run& r = it->second;
      if (core::IsFinal(r.status) && r.finished_at && *r.finished_at < before) {
        if (r.slot) s_.run_slots.erase({r.task_id, *r.slot});
        it = s_.runs.erase(it);
        ++n;
      } else {
        ++it;
      }
    }
    return n;
  }

  core::Result<std::vector<std::pair<core::RunStatus, int64_t>>> CountByStatus() override {
    std::lock_guard lock(s_.mu);
    std::map<core::RunStatus, int64_t> counts;
    for (const auto& [id, r] : s_.runs) ++counts[r.status];
    return std::vector<std::pair<core::RunStatus, int64_t>>(counts.begin(), counts.end());
  }

 private:
  State& s_;
};

class MemoryScheduleStore final : public ScheduleStore {
 public:
  explicit MemoryScheduleStore(State& state) : s_(state) {}

  core::Result<std::optional<core::Instant>> EarliestSlot() override {
    std::lock_guard lock(s_.mu);
    std::optional<core::Instant> earliest;
    for (const auto& [id, t] : s_.tasks) {
      if (t.enabled && t.next_slot && (!earliest || *t.next_slot < *earliest)) {
        earliest = t.next_slot;
      }
    }
    return earliest;
  }

  core::Result<FireSummary> FireDue(
      core::Instant now, size_t limit,
      const std::function<FireDecision(const DueTask&)>& decide) override {
    std::lock_guard lock(s_.mu);
    std::vector<core::Task*> due;
    for (auto& [id, t] : s_.tasks) {
      if (t.enabled && t.next_slot && *t.next_slot <= now) due.push_back(&t);
    }
    std::sort(due.begin(), due.end(), [](const core::Task* a, const core::Task* b) {
      return std::tie(*a->next_slot, a->id) < std::tie(*b->next_slot, b->id);
    });
    FireSummary summary;
    summary.more = due.size() > limit;
    if (due.size() > limit) due.resize(limit);
    for (core::Task* t : due) {
      FireDecision d = decide(DueTask{*t, ActiveRunsOf(s_, t->id)});
      for (core::Run& run : d.runs) {
        if (!run.slot || s_.run_slots.contains({run.task_id, *run.slot}) ||
            s_.runs.contains(run.id)) {
          ++summary.duplicate_runs;
          continue;
        }
        s_.run_slots.emplace(run.task_id, *run.slot);
        s_.runs.emplace(run.id, std::move(run));
        ++summary.runs;
      }
      for (SlotSkip& skip : d.skips) {
        summary.skipped_slots += skip.count;
        s_.skips.push_back(std::move(skip));
      }
      t->next_slot = d.next_slot;
      ++summary.tasks;
    }
    return summary;
  }

  core::Result<std::vector<SlotSkip>> ListSkips(std::string_view task_id, size_t limit) override {
    std::lock_guard lock(s_.mu);
    std::vector<SlotSkip> out;
    for (auto it = s_.skips.rbegin(); it != s_.skips.rend() && out.size() < limit; ++it) {
      if (it->task_id == task_id) out.push_back(*it);
    }
    return out;
  }

  core::Result<size_t> PruneSkips(core::Millis before, size_t limit) override {
    std::lock_guard lock(s_.mu);
    size_t n = 0;
    std::erase_if(s_.skips, [&](const SlotSkip& skip) {
      if (n >= limit || skip.recorded_at >= before) return false;
      ++n;
      return true;
    });
    return n;
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
  MemoryScheduleStore schedule{state};
};

MemoryStorage::MemoryStorage() : impl_(std::make_unique<Impl>()) {}
MemoryStorage::~MemoryStorage() = default;

TaskStore& MemoryStorage::tasks() { return impl_->tasks; }
RunStore& MemoryStorage::runs() { return impl_->runs; }
AccountStore& MemoryStorage::accounts() { return impl_->accounts; }
ScheduleStore& MemoryStorage::schedule() { return impl_->schedule; }
core::Status MemoryStorage::Ping() { return core::Status::Ok(); }

}  // namespace backbeat::storage::memory
