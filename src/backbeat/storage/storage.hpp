#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
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

// Lifecycle facts every backend applies the same way.
// Waiting to start (or to start again): QUEUED, DELAYED, REATTEMPTING.
inline bool IsWaiting(core::RunStatus s) {
  return s == core::RunStatus::kQueued || s == core::RunStatus::kDelayed ||
         s == core::RunStatus::kReattempting;
}
// When a waiting run may start.
inline core::Millis AvailableAt(const core::Run& r) {
  return r.delayed_until.value_or(r.created_at);
}
// When a run that has not started expires (created_at + ttl); nullopt without a TTL.
inline std::optional<core::Millis> TtlDeadline(const core::Run& r) {
  if (!r.ttl_seconds) return std::nullopt;
  return r.created_at + std::chrono::seconds(*r.ttl_seconds);
}

// A run to write only if the stored run is still in the state the writer last saw: the status,
// and for an EXECUTING run the lease owner. Guards make lifecycle changes safe against races
// (a cancel during an attempt, a lease taken over by another node).
struct GuardedRun {
  core::Run run;
  core::RunStatus expected_status = core::RunStatus::kQueued;
  std::optional<std::string> expected_owner;  // checked when set
};

struct ClaimRequest {
  std::string owner;          // the claiming node
  core::Millis now{};         // runs available at or before this are due
  size_t limit = 0;           // most runs to claim
  int per_account_limit = 0;  // most EXECUTING runs per account, all nodes; 0: unlimited
};

// A manual ("run now") run and how to insert it.
struct ManualRunRequest {
  core::Run run;  // slot unset; idempotency_key optional
  // A run of the same task with the same idempotency key created at or after this instant is
  // answered instead of inserting a new one.
  core::Millis idempotency_since{};
  // Refuse (FailedPrecondition) while the task has an active run (overlap "skip").
  bool refuse_if_active = false;
};
struct ManualRunResult {
  core::Run run;
  bool created = false;  // false: an earlier run with the same idempotency key
};

// Slots of a task that produced no run, recorded so that none is ever silently lost: a range of
// consecutive slots with one reason ("overlap", "outside_catchup_window", ...).
struct SlotSkip {
  std::string task_id;
  std::string account_id;
  core::Instant first{};
  core::Instant last{};
  int64_t count = 0;
  std::string reason;
  core::Millis recorded_at{};
  friend bool operator==(const SlotSkip&, const SlotSkip&) = default;
};

// A due task as the scheduler sees it inside the firing transaction.
struct DueTask {
  core::Task task;
  int active_runs = 0;  // runs of the task that are not final
};

// What the scheduler decided for one due task; written in the same transaction.
struct FireDecision {
  std::vector<core::Run> runs;  // slot runs to create
  std::vector<SlotSkip> skips;
  std::optional<core::Instant> next_slot;  // nullopt: the schedule never fires again
};

struct FireSummary {
  size_t tasks = 0;           // due tasks decided
  size_t runs = 0;            // runs created
  size_t duplicate_runs = 0;  // slots that already had a run (a race or a replayed decision)
  int64_t skipped_slots = 0;  // slots recorded as skipped
  bool more = false;          // `limit` tasks were due: call again

  // Adds another call's (or transaction's) counts; `more` is left to the caller.
  void AddCounts(const FireSummary& o) {
    tasks += o.tasks;
    runs += o.runs;
    duplicate_runs += o.duplicate_runs;
    skipped_slots += o.skipped_slots;
  }
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
  // The stored next_slot is kept unless the schedule, zone or enabled state changes (or none is
  // stored): the scheduler advances it meanwhile, and a write from an older read must not undo
  // that.
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

  // --- Execution ---
  // Atomically claims up to `limit` runnable runs for `request.owner`, oldest available first.
  // Runnable: QUEUED, DELAYED or REATTEMPTING, available (delayed_until, else created_at) at or
  // before `now`, not past its TTL, not exclusive while an older run of its task is active, and
  // its account below `per_account_limit` EXECUTING runs. `start` turns each into its EXECUTING
  // state (status, attempt, lease); the store writes and returns those.
  virtual core::Result<std::vector<core::Run>> Claim(
      const ClaimRequest& request, const std::function<core::Run(core::Run)>& start) = 0;
  // Extends to `until` the leases of the given runs that are still EXECUTING under `owner`.
  // Answers the ids among them that are not (canceled, finished, taken over): stop those.
  virtual core::Result<std::vector<std::string>> Renew(std::string_view owner,
                                                       const std::vector<std::string>& run_ids,
                                                       core::Millis until) = 0;
  // Writes every update whose guard still holds, in one transaction. One status per update, in
  // order: OK, Aborted (the stored run moved on) or NotFound.
  virtual core::Result<std::vector<core::Status>> ReplaceIf(
      const std::vector<GuardedRun>& updates) = 0;
  // EXECUTING runs whose lease ended before `now`, and waiting runs past their TTL (created_at
  // + ttl before `now`), at most `limit`, oldest first.
  virtual core::Result<std::vector<core::Run>> ListStale(core::Millis now, size_t limit) = 0;
  // Inserts a manual run (see ManualRunRequest), atomically with its checks.
  virtual core::Result<ManualRunResult> InsertManual(const ManualRunRequest& request) = 0;
  // Deletes up to `limit` final runs that finished before `before`; answers how many.
  virtual core::Result<size_t> Prune(core::Millis before, size_t limit) = 0;
  // How many runs are in each status (statuses with none are left out).
  virtual core::Result<std::vector<std::pair<core::RunStatus, int64_t>>> CountByStatus() = 0;
};

// The firing side of the scheduler: due tasks, their next slots and recorded skips.
class ScheduleStore {
 public:
  virtual ~ScheduleStore() = default;
  // The earliest next slot of any enabled task; nullopt when none.
  virtual core::Result<std::optional<core::Instant>> EarliestSlot() = 0;
  // Takes up to `limit` enabled tasks whose next slot is at or before `now` (earliest first),
  // asks `decide` for each, inserts the runs (a slot that already has a run is left as it is and
  // counted as a duplicate), records the skips and sets each task's next slot; each task's
  // writes are atomic and made on the state `decide` saw. `decide` must be pure and fast; it is
  // never called concurrently, but may be called on another thread, and more than once for a
  // task (a backend may decide on a snapshot, then again if the task changed before the write:
  // only the last decision is written). A backend may split the work into several transactions.
  virtual core::Result<FireSummary> FireDue(
      core::Instant now, size_t limit,
      const std::function<FireDecision(const DueTask&)>& decide) = 0;
  // Skips recorded for one task, newest first, at most `limit`.
  virtual core::Result<std::vector<SlotSkip>> ListSkips(std::string_view task_id, size_t limit) = 0;
  // Deletes up to `limit` skip records made before `before`; answers how many.
  virtual core::Result<size_t> PruneSkips(core::Millis before, size_t limit) = 0;
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
  virtual ScheduleStore& schedule() = 0;
  // A cheap check that the database answers (for /readyz).
  virtual core::Status Ping() = 0;
  // Runs `reads`; the reads it makes on this thread share one snapshot where the backend can
  // (SQLite: one read transaction on one connection), for answers built from several reads (a
  // task and its recent runs). Writes inside are not part of it. Other backends just run it.
  virtual core::Status ReadTogether(const std::function<core::Status()>& reads) { return reads(); }
  // The database server's clock, for backends shared by several nodes: due-ness is decided on
  // one clock for all of them, not on each node's. Nullopt when the database is local to this
  // process (its clock is the node's).
  virtual core::Result<std::optional<core::Millis>> DatabaseTime() {
    return std::optional<core::Millis>{};
  }
};

}  // namespace backbeat::storage
