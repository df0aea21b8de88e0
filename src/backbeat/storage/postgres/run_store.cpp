#include "backbeat/storage/postgres/run_store.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "backbeat/storage/postgres/row_codec.hpp"

namespace backbeat::storage::postgres {
namespace {

using codec::FromMs;
using codec::FromS;
using codec::OptMs;
using codec::ToMs;
using codec::ToS;

// Column order shared by SELECT and INSERT: parameter $N is column N.
constexpr std::string_view kColumns =
    "id, task_id, account_id, artist_account_id, status, slot_s, idempotency_key, is_test, "
    "created_at_ms, updated_at_ms, started_at_ms, finished_at_ms, delayed_until_ms, "
    "expired_at_ms, ttl_seconds, cost_in_cents, base_cost_in_cents, duration_ms, payload_json, "
    "output_json, error_message, error_name, error_stack_trace, schedule_expression, timezone, "
    "max_attempts, timeout_seconds, exclusive, lease_owner, lease_expires_ms, available_at_ms";
constexpr int kColumnCount = 31;

constexpr std::string_view kWaiting = "('QUEUED', 'DELAYED', 'REATTEMPTING')";
constexpr std::string_view kActive = "('QUEUED', 'DELAYED', 'EXECUTING', 'REATTEMPTING')";

// "$first, $first+1, ..., $first+n-1"
std::string Placeholders(int first, int n) {
  std::string out;
  for (int i = first; i < first + n; ++i) {
    if (i > first) out += ", ";
    out += '$' + std::to_string(i);
  }
  return out;
}

// An INSERT of the attempts given as nine array parameters starting at $first (one element per
// attempt, in order), for every row of `source` (a CTE naming the run in its `id` column).
// Position is the element's 0-based index.
std::string InsertAttemptsSql(std::string_view source, int first) {
  auto p = [first](int i) { return '$' + std::to_string(first + i); };
  return "INSERT INTO run_attempts (run_id, position, id, status, created_at_ms, "
         "updated_at_ms, started_at_ms, completed_at_ms, error_message, error_name, "
         "error_stack_trace) SELECT " +
         std::string(source) +
         ".id, a.pos - 1, a.id, a.status, a.created, a.updated, a.started, a.completed, "
         "a.emsg, a.ename, a.estack FROM " +
         std::string(source) + " CROSS JOIN unnest(" + p(0) + "::text[], " + p(1) + "::text[], " +
         p(2) + "::bigint[], " + p(3) + "::bigint[], " + p(4) + "::bigint[], " + p(5) +
         "::bigint[], " + p(6) + "::text[], " + p(7) + "::text[], " + p(8) +
         "::text[]) WITH ORDINALITY AS a(id, status, created, updated, started, completed, emsg, "
         "ename, estack, pos)";
}

void AddRunParams(Params& p, const core::Run& r) {
  p.Text(r.id)
      .Text(r.task_id)
      .Text(r.account_id)
      .Text(r.artist_account_id)
      .Text(core::RunStatusName(r.status))
      .OptInt(ToS(r.slot))
      .OptText(r.idempotency_key)
      .Bool(r.is_test)
      .Int(ToMs(r.created_at))
      .Int(ToMs(r.updated_at))
      .OptInt(ToMs(r.started_at))
      .OptInt(ToMs(r.finished_at))
      .OptInt(ToMs(r.delayed_until))
      .OptInt(ToMs(r.expired_at))
      .OptInt(r.ttl_seconds)
      .Double(r.cost_in_cents)
      .Double(r.base_cost_in_cents)
      .Int(r.duration_ms);
  p.Text(r.payload_json).OptText(r.output_json);
  if (r.error) {
    p.Text(r.error->message).Text(r.error->name).Text(r.error->stack_trace);
  } else {
    p.Null().Null().Null();
  }
  p.Text(r.schedule_expression)
      .Text(r.timezone)
      .Int(r.max_attempts)
      .Int(r.timeout_seconds)
      .Bool(r.exclusive)
      .OptText(r.lease_owner)
      .OptInt(ToMs(r.lease_expires_at))
      .Int(ToMs(AvailableAt(r)));
}

// The nine arrays InsertAttemptsSql reads.
void AddAttemptArrays(Params& p, const std::vector<core::RunAttempt>& attempts) {
  std::vector<std::string> ids, statuses;
  std::vector<std::optional<int64_t>> created, updated, started, completed;
  std::vector<std::optional<std::string>> messages, names, stacks;
  for (const core::RunAttempt& a : attempts) {
    ids.push_back(a.id);
    statuses.push_back(a.status);
    created.emplace_back(ToMs(a.created_at));
    updated.emplace_back(ToMs(a.updated_at));
    started.push_back(ToMs(a.started_at));
    completed.push_back(ToMs(a.completed_at));
    messages.push_back(a.error ? std::optional(a.error->message) : std::nullopt);
    names.push_back(a.error ? std::optional(a.error->name) : std::nullopt);
    stacks.push_back(a.error ? std::optional(a.error->stack_trace) : std::nullopt);
  }
  p.TextArray(ids).TextArray(statuses);
  p.OptIntArray(created).OptIntArray(updated).OptIntArray(started).OptIntArray(completed);
  p.OptTextArray(messages).OptTextArray(names).OptTextArray(stacks);
}

// An optional error is three nullable columns starting at `first`: present iff the first is.
std::optional<core::RunError> ReadError(const Rows& r, int i, int first) {
  if (r.IsNull(i, first)) return std::nullopt;
  return core::RunError{r.Text(i, first), r.Text(i, first + 1), r.Text(i, first + 2)};
}

core::Result<core::Run> ReadRun(const Rows& s, int i) {
  core::Run r;
  r.id = s.Text(i, 0);
  r.task_id = s.Text(i, 1);
  r.account_id = s.Text(i, 2);
  r.artist_account_id = s.Text(i, 3);
  std::optional<core::RunStatus> status = core::ParseRunStatus(s.Text(i, 4));
  if (!status) return core::Internal("run " + r.id + " has an unknown status");
  r.status = *status;
  if (std::optional<int64_t> slot = s.OptInt(i, 5)) r.slot = FromS(*slot);
  r.idempotency_key = s.OptText(i, 6);
  r.is_test = s.Bool(i, 7);
  r.created_at = FromMs(s.Int(i, 8));
  r.updated_at = FromMs(s.Int(i, 9));
  r.started_at = OptMs(s, i, 10);
  r.finished_at = OptMs(s, i, 11);
  r.delayed_until = OptMs(s, i, 12);
  r.expired_at = OptMs(s, i, 13);
  r.ttl_seconds = s.OptInt(i, 14);
  r.cost_in_cents = s.Double(i, 15);
  r.base_cost_in_cents = s.Double(i, 16);
  r.duration_ms = s.Int(i, 17);
  r.payload_json = s.Text(i, 18);
  r.output_json = s.OptText(i, 19);
  r.error = ReadError(s, i, 20);
  r.schedule_expression = s.Text(i, 23);
  r.timezone = s.Text(i, 24);
  r.max_attempts = static_cast<int>(s.Int(i, 25));
  r.timeout_seconds = static_cast<int>(s.Int(i, 26));
  r.exclusive = s.Bool(i, 27);
  r.lease_owner = s.OptText(i, 28);
  r.lease_expires_at = OptMs(s, i, 29);
  return r;
}

// One attempt from nine columns starting at `first`: id, status, created, updated, started,
// completed, error message, name, stack trace.
core::RunAttempt ReadAttempt(const Rows& s, int i, int first) {
  core::RunAttempt a;
  a.id = s.Text(i, first);
  a.status = s.Text(i, first + 1);
  a.created_at = FromMs(s.Int(i, first + 2));
  a.updated_at = FromMs(s.Int(i, first + 3));
  a.started_at = OptMs(s, i, first + 4);
  a.completed_at = OptMs(s, i, first + 5);
  a.error = ReadError(s, i, first + 6);
  return a;
}

constexpr std::string_view kAttemptColumns =
    "id, status, created_at_ms, updated_at_ms, started_at_ms, completed_at_ms, error_message, "
    "error_name, error_stack_trace";

// Runs with their attempts in one statement (one snapshot): `inner` follows
// "SELECT <columns> FROM runs" and selects, orders and limits the runs; `outer_order` repeats
// that order over the CTE `r`. One row per attempt (attempt columns NULL for a run without).
std::string SelectWithAttemptsSql(std::string_view inner, std::string_view outer_order) {
  return "WITH r AS (SELECT " + std::string(kColumns) + " FROM runs " + std::string(inner) +
         ") SELECT r.*, a.id, a.status, a.created_at_ms, a.updated_at_ms, a.started_at_ms, "
         "a.completed_at_ms, a.error_message, a.error_name, a.error_stack_trace FROM r "
         "LEFT JOIN run_attempts a ON a.run_id = r.id ORDER BY " +
         std::string(outer_order) + ", a.position";
}

core::Result<std::vector<core::Run>> ReadRunsWithAttempts(const Rows& rows) {
  std::vector<core::Run> out;
  for (int i = 0; i < rows.size(); ++i) {
    if (out.empty() || out.back().id != rows.Text(i, 0)) {
      core::Result<core::Run> run = ReadRun(rows, i);
      if (!run.ok()) return run.status();
      out.push_back(std::move(run).value());
    }
    if (!rows.IsNull(i, kColumnCount)) {
      out.back().attempts.push_back(ReadAttempt(rows, i, kColumnCount));
    }
  }
  return out;
}

core::Result<std::vector<core::Run>> QueryRuns(Connection& c, const std::string& sql,
                                               const Params& params) {
  core::Result<Rows> rows = c.Exec(sql, params);
  if (!rows.ok()) return rows.status();
  return ReadRunsWithAttempts(*rows);
}

// Loads the attempts of `runs` (rows the caller has locked, so they cannot change meanwhile).
core::Status LoadAttempts(Connection& c, std::vector<core::Run>& runs) {
  if (runs.empty()) return core::Status::Ok();
  std::vector<std::string> ids;
  std::unordered_map<std::string, size_t> index;
  for (size_t i = 0; i < runs.size(); ++i) {
    ids.push_back(runs[i].id);
    index.emplace(runs[i].id, i);
  }
  static const std::string kSql = "SELECT run_id, " + std::string(kAttemptColumns) +
                                  " FROM run_attempts WHERE run_id = ANY($1::text[]) "
                                  "ORDER BY run_id, position";
  core::Result<Rows> rows = c.Exec(kSql, Params().TextArray(ids));
  if (!rows.ok()) return rows.status();
  for (int i = 0; i < rows->size(); ++i) {
    auto it = index.find(rows->Text(i, 0));
    if (it != index.end()) runs[it->second].attempts.push_back(ReadAttempt(*rows, i, 1));
  }
  return core::Status::Ok();
}

const std::string& InsertSql(bool if_absent, bool with_attempts) {
  auto make = [](bool absent, bool attempts) {
    std::string insert = "INSERT INTO runs (" + std::string(kColumns) + ") VALUES (" +
                         Placeholders(1, kColumnCount) + ")" +
                         (absent ? " ON CONFLICT DO NOTHING" : "");
    if (!attempts) return insert;
    // The run and its attempts in one statement: atomic without a transaction of its own.
    return "WITH r AS (" + insert + " RETURNING id), a AS (" +
           InsertAttemptsSql("r", kColumnCount + 1) + ") SELECT count(*) FROM r";
  };
  static const std::string kSql[2][2] = {{make(false, false), make(false, true)},
                                         {make(true, false), make(true, true)}};
  return kSql[if_absent ? 1 : 0][with_attempts ? 1 : 0];
}

// Inserts the run and its attempts; answers whether a row was inserted (false only with
// if_absent, when the id or the slot was taken).
core::Result<bool> InsertRun(Connection& c, const core::Run& run, bool if_absent) {
  const bool with_attempts = !run.attempts.empty();
  Params p;
  AddRunParams(p, run);
  if (with_attempts) AddAttemptArrays(p, run.attempts);
  core::Result<Rows> r = c.Exec(InsertSql(if_absent, with_attempts), p);
  if (!r.ok()) return r.status();
  return (with_attempts ? r->Int(0, 0) : r->Affected()) > 0;
}

struct Rewritten {
  bool written = false;  // the guard held and the run was rewritten
  bool exists = false;   // the run exists (whether or not it was written)
};

// Rewrites the columns a run's life changes and its attempts, in one statement, if the stored
// run still has `expected_status` (and `expected_owner` as lease owner) when these are set.
core::Result<Rewritten> RewriteRun(Connection& c, const core::Run& run,
                                   const std::optional<core::RunStatus>& expected_status,
                                   const std::optional<std::string>& expected_owner) {
  static const std::string kSql =
      "WITH u AS (UPDATE runs SET status = $2, updated_at_ms = $3, started_at_ms = $4, "
      "finished_at_ms = $5, delayed_until_ms = $6, expired_at_ms = $7, cost_in_cents = $8, "
      "base_cost_in_cents = $9, duration_ms = $10, output_json = $11, error_message = $12, "
      "error_name = $13, error_stack_trace = $14, lease_owner = $15, lease_expires_ms = $16, "
      "available_at_ms = $17 WHERE id = $1 AND ($18::text IS NULL OR status = $18) "
      "AND ($19::text IS NULL OR lease_owner = $19) RETURNING id), "
      // Attempts past the new count go; the others are upserted in place (a DELETE and an
      // INSERT of the same keys cannot share one statement).
      "d AS (DELETE FROM run_attempts WHERE run_id IN (SELECT id FROM u) "
      "AND position >= $20::integer), "
      "a AS (" +
      InsertAttemptsSql("u", 21) +
      " ON CONFLICT (run_id, position) DO UPDATE SET id = excluded.id, "
      "status = excluded.status, created_at_ms = excluded.created_at_ms, "
      "updated_at_ms = excluded.updated_at_ms, started_at_ms = excluded.started_at_ms, "
      "completed_at_ms = excluded.completed_at_ms, error_message = excluded.error_message, "
      "error_name = excluded.error_name, error_stack_trace = excluded.error_stack_trace) "
      "SELECT (SELECT count(*) FROM u), EXISTS (SELECT 1 FROM runs WHERE id = $1)";
  Params p;
  p.Text(run.id)
      .Text(core::RunStatusName(run.status))
      .Int(ToMs(run.updated_at))
      .OptInt(ToMs(run.started_at))
      .OptInt(ToMs(run.finished_at))
      .OptInt(ToMs(run.delayed_until))
      .OptInt(ToMs(run.expired_at))
      .Double(run.cost_in_cents)
      .Double(run.base_cost_in_cents)
      .Int(run.duration_ms)
      .OptText(run.output_json);
  if (run.error) {
    p.Text(run.error->message).Text(run.error->name).Text(run.error->stack_trace);
  } else {
    p.Null().Null().Null();
  }
  p.OptText(run.lease_owner).OptInt(ToMs(run.lease_expires_at)).Int(ToMs(AvailableAt(run)));
  if (expected_status) {
    p.Text(core::RunStatusName(*expected_status));
  } else {
    p.Null();
  }
  p.OptText(expected_owner);
  p.Int(static_cast<int64_t>(run.attempts.size()));
  AddAttemptArrays(p, run.attempts);
  core::Result<Rows> r = c.Exec(kSql, p);
  if (!r.ok()) return r.status();
  return Rewritten{r->Int(0, 0) > 0, r->Bool(0, 1)};
}

core::Result<int64_t> CountActive(Connection& c, std::string_view task_id) {
  static const std::string kSql =
      "SELECT count(*) FROM runs WHERE task_id = $1 AND status IN " + std::string(kActive);
  core::Result<Rows> r = c.Exec(kSql, Params().Text(task_id));
  if (!r.ok()) return r.status();
  return r->Int(0, 0);
}

}  // namespace

core::Result<bool> InsertRunIfAbsent(Connection& c, const core::Run& run) {
  return InsertRun(c, run, /*if_absent=*/true);
}

core::Status PostgresRunStore::Insert(const core::Run& run) {
  return pool_.Run([&](Connection& c) -> core::Status {
    core::Result<bool> inserted = InsertRun(c, run, /*if_absent=*/false);
    if (inserted.status().code() == core::ErrorCode::kAlreadyExists) {
      if (inserted.status().message().find("runs_one_per_slot") != std::string::npos && run.slot) {
        return core::AlreadyExists("task " + run.task_id + " already has a run for slot " +
                                   core::FormatIso8601(*run.slot));
      }
      return core::AlreadyExists("run " + run.id + " already exists");
    }
    return inserted.status();
  });
}

core::Result<core::Run> PostgresRunStore::Get(std::string_view id) {
  static const std::string kSql = SelectWithAttemptsSql("WHERE id = $1", "r.id");
  return pool_.Run([&](Connection& c) -> core::Result<core::Run> {
    core::Result<std::vector<core::Run>> runs = QueryRuns(c, kSql, Params().Text(id));
    if (!runs.ok()) return runs.status();
    if (runs->empty()) return core::NotFound("run " + std::string(id) + " not found");
    return std::move(runs->front());
  });
}

core::Result<std::vector<core::Run>> PostgresRunStore::List(const RunQuery& q) {
  if ((q.account_ids && q.account_ids->empty()) || q.limit == 0) {
    return std::vector<core::Run>{};
  }
  codec::Filter filter;
  if (q.id) filter.And("id = ?", [&](Params& p) { p.Text(*q.id); });
  if (q.account_ids) codec::AccountFilter(filter, *q.account_ids);
  if (q.task_id) filter.And("task_id = ?", [&](Params& p) { p.Text(*q.task_id); });
  if (q.status) {
    filter.And("status = ?", [&](Params& p) { p.Text(core::RunStatusName(*q.status)); });
  }
  if (q.after) {
    filter.And("(created_at_ms, id) < (?::bigint, ?::text)",
               [&](Params& p) { p.Int(ToMs(q.after->created_at)).Text(q.after->id); });
  }
  std::string inner = filter.Sql() + " ORDER BY created_at_ms DESC, id DESC LIMIT ";
  inner += filter.Next();
  filter.params().Int(codec::LimitParam(q.limit));
  const std::string sql = SelectWithAttemptsSql(inner, "r.created_at_ms DESC, r.id DESC");
  return pool_.Run([&](Connection& c) { return QueryRuns(c, sql, filter.params()); });
}

core::Result<std::vector<core::Run>> PostgresRunStore::Claim(
    const ClaimRequest& request, const std::function<core::Run(core::Run)>& start) {
  if (request.limit == 0) return std::vector<core::Run>{};
  // Candidates in (available_at, created_at, id) order, locked as they are read; rows another
  // claimer holds are passed over, not waited for. Expired runs (left for the sweep) and
  // exclusive runs behind an older active run of their task are filtered here, so that every
  // row locked can be taken unless its account is at its limit.
  static const std::string kEligible =
      " AND (ttl_seconds IS NULL OR started_at_ms IS NOT NULL"
      " OR created_at_ms + ttl_seconds * 1000 >= $1)"
      " AND (NOT exclusive OR NOT EXISTS (SELECT 1 FROM runs older"
      " WHERE older.task_id = runs.task_id AND older.status IN " +
      std::string(kActive) +
      " AND (older.created_at_ms, older.id) < (runs.created_at_ms, runs.id)))";
  static const std::string kSelect = "SELECT " + std::string(kColumns) +
                                     " FROM runs WHERE status IN " + std::string(kWaiting) +
                                     " AND available_at_ms <= $1" + kEligible;
  static const std::string kOrder = " ORDER BY available_at_ms, created_at_ms, id";
  static const std::string kFirstPage = kSelect + kOrder + " LIMIT $2 FOR UPDATE SKIP LOCKED";
  static const std::string kNextPage =
      kSelect + " AND (available_at_ms, created_at_ms, id) > ($3::bigint, $4::bigint, $5::text)" +
      kOrder + " LIMIT $2 FOR UPDATE SKIP LOCKED";
  // Under a per-account limit: a window of keys in claim order, read without locks, then the
  // rows among them whose account has room. Passing over an account at its limit then costs an
  // index entry per run, and a window bounds the work of each step.
  static const std::string kWindowKeys =
      "SELECT available_at_ms, created_at_ms, id, account_id FROM runs WHERE status IN " +
      std::string(kWaiting) +
      " AND available_at_ms <= $1"
      " AND ($3::bigint IS NULL OR (available_at_ms, created_at_ms, id) > ($3, $4, $5::text))" +
      kOrder + " LIMIT $2";
  static const std::string kWindowRows =
      kSelect + " AND id = ANY($2::text[])" + kOrder + " FOR UPDATE SKIP LOCKED";
  // Past the windows, account by account: every account with a waiting run (one index probe
  // each), then the first runs after the last window of each account with room, in one
  // statement.
  static const std::string kWaitingAccounts =
      "WITH RECURSIVE a AS ((SELECT account_id FROM runs WHERE status IN " + std::string(kWaiting) +
      " ORDER BY account_id LIMIT 1) UNION ALL SELECT (SELECT r.account_id FROM runs r"
      " WHERE r.status IN " +
      std::string(kWaiting) +
      " AND r.account_id > a.account_id ORDER BY r.account_id LIMIT 1) FROM a"
      " WHERE a.account_id IS NOT NULL) SELECT account_id FROM a WHERE account_id IS NOT NULL"
      " LIMIT $1";
  static const std::string kAccountRows =
      "SELECT c.* FROM unnest($2::text[], $3::bigint[]) AS q(account_id, room)"
      " CROSS JOIN LATERAL (SELECT " +
      std::string(kColumns) + " FROM runs WHERE runs.account_id = q.account_id AND status IN " +
      std::string(kWaiting) + " AND available_at_ms <= $1" + kEligible +
      " AND (available_at_ms, created_at_ms, id) > ($4::bigint, $5::bigint, $6::text)" + kOrder +
      " LIMIT q.room FOR UPDATE SKIP LOCKED) AS c ORDER BY c.available_at_ms, c.created_at_ms,"
      " c.id";
  constexpr size_t kMaxPages = 32;
  constexpr int64_t kWindow = 256;
  constexpr size_t kMaxWindows = 4;
  constexpr int64_t kMaxAccounts = 65536;
  const int limit_per_account = request.per_account_limit;
  return pool_.InTransaction([&](Connection& c) -> core::Result<std::vector<core::Run>> {
    std::vector<core::Run> claimed;
    auto read_page = [&](core::Result<Rows> rows) -> core::Result<std::vector<core::Run>> {
      if (!rows.ok()) return rows.status();
      std::vector<core::Run> page;
      for (int i = 0; i < rows->size(); ++i) {
        core::Result<core::Run> run = ReadRun(*rows, i);
        if (!run.ok()) return run.status();
        page.push_back(std::move(run).value());
      }
      if (core::Status s = LoadAttempts(c, page); !s.ok()) return s;
      return page;
    };

    // EXECUTING runs per account, across every node.
    std::unordered_map<std::string, int> executing;
    if (limit_per_account > 0) {
      core::Result<Rows> counts = c.Exec(
          "SELECT account_id, count(*) FROM runs WHERE status = 'EXECUTING' "
          "GROUP BY account_id");
      if (!counts.ok()) return counts.status();
      for (int i = 0; i < counts->size(); ++i) {
        executing[counts->Text(i, 0)] = static_cast<int>(counts->Int(i, 1));
      }
    }
    // Accounts whose claim lock this transaction holds, their count re-read under it, and
    // accounts passed over for this claim (at their limit, or being claimed for elsewhere).
    std::unordered_set<std::string> locked_accounts;
    std::unordered_set<std::string> full;
    for (const auto& [account, n] : executing) {
      if (n >= limit_per_account) full.insert(account);
    }

    // Another node may be claiming for an account at the same time: the per-account limit
    // holds across nodes because claims for one account take a transaction-level advisory
    // lock and re-count under it. A lock held elsewhere means that node is claiming for the
    // account now; this claim passes over the account rather than wait.
    auto may_claim_for = [&](const std::string& account) -> core::Result<bool> {
      if (limit_per_account <= 0) return true;
      if (full.count(account) != 0) return false;
      if (locked_accounts.count(account) == 0) {
        core::Result<Rows> lock =
            c.Exec("SELECT pg_try_advisory_xact_lock($1::integer, hashtext($2))",
                   Params().Int(kAccountClaimLockKey).Text(account));
        if (!lock.ok()) return lock.status();
        if (!lock->Bool(0, 0)) {
          full.insert(account);
          return false;
        }
        locked_accounts.insert(account);
        // A statement of its own: its snapshot is taken after the lock, so it sees every
        // claim committed by the lock's previous holder.
        core::Result<Rows> count =
            c.Exec("SELECT count(*) FROM runs WHERE status = 'EXECUTING' AND account_id = $1",
                   Params().Text(account));
        if (!count.ok()) return count.status();
        executing[account] = static_cast<int>(count->Int(0, 0));
      }
      if (executing[account] < limit_per_account) return true;
      full.insert(account);
      return false;
    };
    // Claims every run of `page` its account has room for, in order, until the limit.
    auto claim_page = [&](std::vector<core::Run>& page) -> core::Status {
      for (core::Run& run : page) {
        if (claimed.size() >= request.limit) break;
        core::Result<bool> may = may_claim_for(run.account_id);
        if (!may.ok()) return may.status();
        if (!*may) continue;
        const core::RunStatus was = run.status;
        core::Run started = start(std::move(run));
        core::Result<Rewritten> written = RewriteRun(c, started, was, std::nullopt);
        if (!written.ok()) return written.status();
        if (!written->written) continue;
        if (limit_per_account > 0 && ++executing[started.account_id] >= limit_per_account) {
          full.insert(started.account_id);
        }
        claimed.push_back(std::move(started));
      }
      return core::Status::Ok();
    };

    // Without a per-account limit: pages of the rows themselves, locked as they are read.
    if (limit_per_account <= 0) {
      std::optional<std::tuple<int64_t, int64_t, std::string>> after;
      for (size_t pages = 0; claimed.size() < request.limit && pages < kMaxPages; ++pages) {
        const auto want = static_cast<int64_t>(request.limit - claimed.size());
        Params p;
        p.Int(ToMs(request.now)).Int(want);
        if (after) p.Int(std::get<0>(*after)).Int(std::get<1>(*after)).Text(std::get<2>(*after));
        core::Result<std::vector<core::Run>> page =
            read_page(c.Exec(after ? kNextPage : kFirstPage, p));
        if (!page.ok()) return page.status();
        if (page->empty()) break;
        const core::Run& last = page->back();
        after.emplace(ToMs(AvailableAt(last)), ToMs(last.created_at), last.id);
        const bool full_page = static_cast<int64_t>(page->size()) == want;
        if (core::Status s = claim_page(*page); !s.ok()) return s;
        if (!full_page) break;
      }
      return claimed;
    }

    // 1. Windows of keys in claim order.
    std::optional<std::tuple<int64_t, int64_t, std::string>> after;
    bool more = true;
    for (size_t windows = 0; more && claimed.size() < request.limit && windows < kMaxWindows;
         ++windows) {
      Params p;
      p.Int(ToMs(request.now)).Int(kWindow);
      if (after) {
        p.Int(std::get<0>(*after)).Int(std::get<1>(*after)).Text(std::get<2>(*after));
      } else {
        p.Null().Null().Null();
      }
      core::Result<Rows> keys = c.Exec(kWindowKeys, p);
      if (!keys.ok()) return keys.status();
      if (keys->size() == 0) break;
      more = keys->size() == kWindow;
      const int last = keys->size() - 1;
      after.emplace(keys->Int(last, 0), keys->Int(last, 1), keys->Text(last, 2));
      std::vector<std::string> ids;
      for (int i = 0; i < keys->size(); ++i) {
        if (full.count(keys->Text(i, 3)) == 0) ids.push_back(keys->Text(i, 2));
      }
      if (ids.empty()) continue;
      core::Result<std::vector<core::Run>> page =
          read_page(c.Exec(kWindowRows, Params().Int(ToMs(request.now)).TextArray(ids)));
      if (!page.ok()) return page.status();
      if (core::Status s = claim_page(*page); !s.ok()) return s;
    }
    if (!more || !after || claimed.size() >= request.limit) return claimed;

    // 2. Account by account, after the last window: the first runs of each account with room
    // (as many as its room), merged in claim order.
    core::Result<Rows> accounts = c.Exec(kWaitingAccounts, Params().Int(kMaxAccounts));
    if (!accounts.ok()) return accounts.status();
    std::vector<std::string> with_room;
    std::vector<std::optional<int64_t>> rooms;
    for (int i = 0; i < accounts->size(); ++i) {
      const std::string account = accounts->Text(i, 0);
      core::Result<bool> may = may_claim_for(account);
      if (!may.ok()) return may.status();
      if (!*may) continue;
      with_room.push_back(account);
      rooms.push_back(limit_per_account - executing[account]);
    }
    if (with_room.empty()) return claimed;
    Params p;
    p.Int(ToMs(request.now)).TextArray(with_room).OptIntArray(rooms);
    p.Int(std::get<0>(*after)).Int(std::get<1>(*after)).Text(std::get<2>(*after));
    core::Result<std::vector<core::Run>> page = read_page(c.Exec(kAccountRows, p));
    if (!page.ok()) return page.status();
    if (core::Status s = claim_page(*page); !s.ok()) return s;
    return claimed;
  });
}

core::Result<std::vector<std::string>> PostgresRunStore::Renew(
    std::string_view owner, const std::vector<std::string>& run_ids, core::Millis until) {
  if (run_ids.empty()) return std::vector<std::string>{};
  return pool_.Run([&](Connection& c) -> core::Result<std::vector<std::string>> {
    // Rows are locked in id order, the order ReplaceIf writes in: two nodes' renewals and
    // outcome flushes over the same runs then queue behind each other instead of deadlocking.
    core::Result<Rows> r = c.Exec(
        "WITH locked AS (SELECT id FROM runs WHERE id = ANY($1::text[]) "
        "AND status = 'EXECUTING' AND lease_owner = $2 ORDER BY id FOR UPDATE) "
        "UPDATE runs SET lease_expires_ms = $3 FROM locked WHERE runs.id = locked.id "
        "RETURNING runs.id",
        Params().TextArray(run_ids).Text(owner).Int(ToMs(until)));
    if (!r.ok()) return r.status();
    std::unordered_set<std::string> renewed;
    for (int i = 0; i < r->size(); ++i) renewed.insert(r->Text(i, 0));
    std::vector<std::string> lost;
    for (const std::string& id : run_ids) {
      if (renewed.count(id) == 0) lost.push_back(id);
    }
    return lost;
  });
}

core::Result<std::vector<core::Status>> PostgresRunStore::ReplaceIf(
    const std::vector<GuardedRun>& updates) {
  return pool_.InTransaction([&](Connection& c) -> core::Result<std::vector<core::Status>> {
    // Written in id order (see Renew), answered in the caller's order.
    std::vector<size_t> order(updates.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return updates[a].run.id < updates[b].run.id; });
    std::vector<core::Status> out(updates.size());
    for (size_t i : order) {
      const GuardedRun& u = updates[i];
      core::Result<Rewritten> r = RewriteRun(c, u.run, u.expected_status, u.expected_owner);
      if (!r.ok()) return r.status();
      if (r->written) {
        out[i] = core::Status::Ok();
      } else {
        out[i] = r->exists ? core::Aborted("run " + u.run.id + " changed")
                           : core::NotFound("run " + u.run.id + " not found");
      }
    }
    return out;
  });
}

core::Result<std::vector<core::Run>> PostgresRunStore::ListStale(core::Millis now, size_t limit) {
  static const std::string kSql = SelectWithAttemptsSql(
      "WHERE id IN (SELECT id FROM runs WHERE status = 'EXECUTING' AND lease_expires_ms < $1"
      " UNION SELECT id FROM runs WHERE status IN " +
          std::string(kWaiting) +
          " AND started_at_ms IS NULL AND ttl_seconds IS NOT NULL"
          " AND created_at_ms + ttl_seconds * 1000 < $1)"
          " ORDER BY created_at_ms, id LIMIT $2",
      "r.created_at_ms, r.id");
  return pool_.Run([&](Connection& c) {
    return QueryRuns(c, kSql, Params().Int(ToMs(now)).Int(codec::LimitParam(limit)));
  });
}

core::Result<ManualRunResult> PostgresRunStore::InsertManual(const ManualRunRequest& request) {
  static const std::string kSameKey = SelectWithAttemptsSql(
      "WHERE task_id = $1 AND idempotency_key = $2 AND slot_s IS NULL AND created_at_ms >= $3 "
      "ORDER BY created_at_ms DESC, id DESC LIMIT 1",
      "r.created_at_ms DESC, r.id DESC");
  const core::Run& run = request.run;
  return pool_.InTransaction([&](Connection& c) -> core::Result<ManualRunResult> {
    // Manual runs of one task are decided one at a time (two requests with the same key must
    // not both insert), and not while the scheduler fires the task (it holds the task's row).
    core::Result<Rows> locked = c.Exec(
        "WITH t AS (SELECT id FROM tasks WHERE id = $2 FOR UPDATE) "
        "SELECT pg_advisory_xact_lock($1::integer, hashtext($2)), (SELECT count(*) FROM t)",
        Params().Int(kManualRunLockKey).Text(run.task_id));
    if (!locked.ok()) return locked.status();
    if (run.idempotency_key) {
      core::Result<std::vector<core::Run>> found =
          QueryRuns(c, kSameKey,
                    Params()
                        .Text(run.task_id)
                        .Text(*run.idempotency_key)
                        .Int(ToMs(request.idempotency_since)));
      if (!found.ok()) return found.status();
      if (!found->empty()) return ManualRunResult{std::move(found->front()), false};
    }
    if (request.refuse_if_active) {
      core::Result<int64_t> active = CountActive(c, run.task_id);
      if (!active.ok()) return active.status();
      if (*active > 0) return core::FailedPrecondition("Task already has an active run");
    }
    core::Result<bool> inserted = InsertRunIfAbsent(c, run);
    if (!inserted.ok()) return inserted.status();
    if (!*inserted) return core::AlreadyExists("run " + run.id + " already exists");
    return ManualRunResult{run, true};
  });
}

core::Result<size_t> PostgresRunStore::Prune(core::Millis before, size_t limit) {
  return pool_.Run([&](Connection& c) -> core::Result<size_t> {
    // Attempts go with their run (ON DELETE CASCADE).
    core::Result<Rows> r = c.Exec(
        "DELETE FROM runs WHERE id IN (SELECT id FROM runs WHERE finished_at_ms < $1 AND "
        "status IN ('COMPLETED', 'FAILED', 'CANCELED', 'CRASHED', 'INTERRUPTED', "
        "'SYSTEM_FAILURE') LIMIT $2)",
        Params().Int(ToMs(before)).Int(codec::LimitParam(limit)));
    if (!r.ok()) return r.status();
    return static_cast<size_t>(r->Affected());
  });
}

core::Result<std::vector<std::pair<core::RunStatus, int64_t>>> PostgresRunStore::CountByStatus() {
  using Counts = std::vector<std::pair<core::RunStatus, int64_t>>;
  return pool_.Run([](Connection& c) -> core::Result<Counts> {
    core::Result<Rows> r = c.Exec("SELECT status, count(*) FROM runs GROUP BY status");
    if (!r.ok()) return r.status();
    Counts out;
    for (int i = 0; i < r->size(); ++i) {
      std::optional<core::RunStatus> status = core::ParseRunStatus(r->Text(i, 0));
      if (!status) return core::Internal("unknown run status " + r->Text(i, 0));
      out.emplace_back(*status, r->Int(i, 1));
    }
    std::sort(out.begin(), out.end());
    return out;
  });
}

}  // namespace backbeat::storage::postgres
