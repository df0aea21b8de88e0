#include "backbeat/storage/sqlite/run_store.hpp"

#include <algorithm>
#include <functional>
#include <queue>
#include <string>
#include <tuple>
#include <unordered_map>

#include "backbeat/storage/sqlite/attempts_codec.hpp"
#include "backbeat/storage/sqlite/row_codec.hpp"
#include "backbeat/storage/sqlite/submit.hpp"

namespace backbeat::storage::sqlite {
namespace {

using codec::FromMs;
using codec::FromS;
using codec::OptMs;
using codec::ToMs;
using codec::ToS;

// Column order shared by SELECT and INSERT: parameter ?N is column N.
constexpr std::string_view kColumns =
    "id, task_id, account_id, artist_account_id, status, slot_s, idempotency_key, is_test, "
    "created_at_ms, updated_at_ms, started_at_ms, finished_at_ms, delayed_until_ms, "
    "expired_at_ms, ttl_seconds, cost_in_cents, base_cost_in_cents, duration_ms, payload_json, "
    "output_json, error_message, error_name, error_stack_trace, schedule_expression, timezone, "
    "max_attempts, timeout_seconds, exclusive, lease_owner, lease_expires_ms, available_at_ms, "
    "attempts_json";
constexpr int kColumnCount = 32;

// The predicates of the partial indexes runs_waiting and runs_active_by_task, repeated exactly
// (SQLite uses a partial index only for a query with the same term). OR chains, not IN lists:
// schema.cpp, migration 4, says why.
#define BACKBEAT_WAITING "(status = 'QUEUED' OR status = 'DELAYED' OR status = 'REATTEMPTING')"
#define BACKBEAT_ACTIVE \
  "(status = 'QUEUED' OR status = 'DELAYED' OR status = 'EXECUTING' OR status = 'REATTEMPTING')"
#define BACKBEAT_UNSUCCESSFUL                                                                  \
  "(status = 'FAILED' OR status = 'CANCELED' OR status = 'CRASHED' OR status = 'INTERRUPTED' " \
  "OR status = 'SYSTEM_FAILURE')"

// "?(first), ?(first+1), ..., ?(first+n-1)"
std::string Placeholders(int first, int n) {
  std::string out;
  for (int i = first; i < first + n; ++i) {
    if (i > first) out += ", ";
    out += "?" + std::to_string(i);
  }
  return out;
}

const std::string& InsertSql() {
  static const std::string sql = "INSERT INTO runs (" + std::string(kColumns) + ") VALUES (" +
                                 Placeholders(1, kColumnCount) + ")";
  return sql;
}

// Runs inserted per statement by InsertRunsIfAbsent: one statement execution (its cursors on
// the table and every index) serves this many rows.
constexpr size_t kInsertChunk = 16;
const std::string& InsertChunkSql() {
  static const std::string sql = [] {
    // OR FAIL: a multi-row statement that may abort on a constraint keeps a statement journal,
    // a copy of every page it touches (3-4 per run in a burst). The caller's unit is rolled
    // back on any error anyway, so rows a failed statement leaves behind never commit.
    std::string out = "INSERT OR FAIL INTO runs (" + std::string(kColumns) + ") VALUES ";
    for (size_t i = 0; i < kInsertChunk; ++i) {
      if (i > 0) out += ", ";
      out += "(" + Placeholders(static_cast<int>(i) * kColumnCount + 1, kColumnCount) + ")";
    }
    return out + " ON CONFLICT DO NOTHING";
  }();
  return sql;
}
const std::string& SelectSql() {
  static const std::string sql = "SELECT " + std::string(kColumns) + " FROM runs";
  return sql;
}

// An optional error is three nullable columns starting at `first`: present iff the first is.
void BindError(Statement& s, int first, const std::optional<core::RunError>& e) {
  if (e) {
    s.BindText(first, e->message);
    s.BindText(first + 1, e->name);
    s.BindText(first + 2, e->stack_trace);
  } else {
    s.BindNull(first);
    s.BindNull(first + 1);
    s.BindNull(first + 2);
  }
}

std::optional<core::RunError> ReadError(const Statement& s, int first) {
  if (s.IsNull(first)) return std::nullopt;
  return core::RunError{s.Text(first), s.Text(first + 1), s.Text(first + 2)};
}

// Binds the run as parameters ?(o+1) .. ?(o+kColumnCount), in kColumns order. The run's own
// strings are bound without a copy: every caller's run outlives its statement.
void BindRun(Statement& s, const core::Run& r, int o = 0) {
  s.BindTextRef(o + 1, r.id);
  s.BindTextRef(o + 2, r.task_id);
  s.BindTextRef(o + 3, r.account_id);
  s.BindTextRef(o + 4, r.artist_account_id);
  s.BindTextRef(o + 5, core::RunStatusName(r.status));  // a literal
  if (r.slot) {
    s.BindInt(o + 6, ToS(*r.slot));
  } else {
    s.BindNull(o + 6);
  }
  s.BindOptTextRef(o + 7, r.idempotency_key);
  s.BindInt(o + 8, r.is_test ? 1 : 0);
  s.BindInt(o + 9, ToMs(r.created_at));
  s.BindInt(o + 10, ToMs(r.updated_at));
  s.BindOptInt(o + 11, ToMs(r.started_at));
  s.BindOptInt(o + 12, ToMs(r.finished_at));
  s.BindOptInt(o + 13, ToMs(r.delayed_until));
  s.BindOptInt(o + 14, ToMs(r.expired_at));
  s.BindOptInt(o + 15, r.ttl_seconds);
  s.BindReal(o + 16, r.cost_in_cents);
  s.BindReal(o + 17, r.base_cost_in_cents);
  s.BindInt(o + 18, r.duration_ms);
  s.BindTextRef(o + 19, r.payload_json);
  s.BindOptTextRef(o + 20, r.output_json);
  BindError(s, o + 21, r.error);
  s.BindTextRef(o + 24, r.schedule_expression);
  s.BindTextRef(o + 25, r.timezone);
  s.BindInt(o + 26, r.max_attempts);
  s.BindInt(o + 27, r.timeout_seconds);
  s.BindInt(o + 28, r.exclusive ? 1 : 0);
  s.BindOptTextRef(o + 29, r.lease_owner);
  s.BindOptInt(o + 30, ToMs(r.lease_expires_at));
  s.BindInt(o + 31, ToMs(AvailableAt(r)));
  s.BindText(o + 32, codec::EncodeAttempts(r.attempts));
}

core::Result<core::Run> ReadRun(const Statement& s) {
  core::Run r;
  r.id = s.Text(0);
  r.task_id = s.Text(1);
  r.account_id = s.Text(2);
  r.artist_account_id = s.Text(3);
  std::optional<core::RunStatus> status = core::ParseRunStatus(s.Text(4));
  if (!status) return core::Internal("run " + r.id + " has an unknown status");
  r.status = *status;
  if (std::optional<int64_t> slot = s.OptInt(5)) r.slot = FromS(*slot);
  r.idempotency_key = s.OptText(6);
  r.is_test = s.Int(7) != 0;
  r.created_at = FromMs(s.Int(8));
  r.updated_at = FromMs(s.Int(9));
  r.started_at = OptMs(s, 10);
  r.finished_at = OptMs(s, 11);
  r.delayed_until = OptMs(s, 12);
  r.expired_at = OptMs(s, 13);
  r.ttl_seconds = s.OptInt(14);
  r.cost_in_cents = s.Real(15);
  r.base_cost_in_cents = s.Real(16);
  r.duration_ms = s.Int(17);
  r.payload_json = s.Text(18);
  r.output_json = s.OptText(19);
  r.error = ReadError(s, 20);
  r.schedule_expression = s.Text(23);
  r.timezone = s.Text(24);
  r.max_attempts = static_cast<int>(s.Int(25));
  r.timeout_seconds = static_cast<int>(s.Int(26));
  r.exclusive = s.Int(27) != 0;
  r.lease_owner = s.OptText(28);
  r.lease_expires_at = OptMs(s, 29);
  core::Result<std::vector<core::RunAttempt>> attempts = codec::DecodeAttempts(s.Text(31));
  if (!attempts.ok()) {
    return core::Internal("run " + r.id + ": " + attempts.status().message());
  }
  r.attempts = std::move(attempts).value();
  return r;
}

// Reads every row of a SELECT over kColumns.
core::Result<std::vector<core::Run>> ReadRuns(Statement& s) {
  std::vector<core::Run> out;
  for (;;) {
    core::Result<bool> row = s.Step();
    if (!row.ok()) return row.status();
    if (!*row) return out;
    core::Result<core::Run> run = ReadRun(s);
    if (!run.ok()) return run.status();
    out.push_back(std::move(run).value());
  }
}

}  // namespace

core::Status SqliteRunStore::Insert(const core::Run& run) {
  return writer_.Submit([&run](Connection& c) -> core::Status {
    core::Result<Statement> s = c.Prepare(InsertSql());
    if (!s.ok()) return s.status();
    BindRun(*s, run);
    core::Status st = s->Run();
    if (st.code() == core::ErrorCode::kAlreadyExists) {
      // SQLite names the violated columns; the slot index is the one that mentions task_id.
      if (st.message().find("runs.task_id") != std::string::npos && run.slot) {
        return core::AlreadyExists("task " + run.task_id + " already has a run for slot " +
                                   core::FormatIso8601(*run.slot));
      }
      return core::AlreadyExists("run " + run.id + " already exists");
    }
    return st;
  });
}

core::Result<core::Run> SqliteRunStore::Get(std::string_view id) {
  return readers_.Read([id](Connection& c) -> core::Result<core::Run> {
    static const std::string kSql = SelectSql() + " WHERE id = ?1";
    core::Result<Statement> s = c.Prepare(kSql);
    if (!s.ok()) return s.status();
    s->BindText(1, id);
    core::Result<std::vector<core::Run>> runs = ReadRuns(*s);
    if (!runs.ok()) return runs.status();
    if (runs->empty()) return core::NotFound("run " + std::string(id) + " not found");
    return std::move(runs->front());
  });
}

core::Result<std::vector<core::Run>> SqliteRunStore::List(const RunQuery& q) {
  if ((q.account_ids && q.account_ids->empty()) || q.limit == 0) {
    return std::vector<core::Run>{};
  }
  codec::Filter filter;
  // A status filter reads the small partial index holding that status, if there is one: there
  // is no index on status alone (every step of every run would move its entry). COMPLETED, the
  // bulk of the history, reads the created-order indexes like an unfiltered list.
  std::string_view index;
  if (q.status && !q.id) {
    if (core::IsFinal(*q.status)) {
      if (*q.status != core::RunStatus::kCompleted) {
        index = " INDEXED BY runs_unsuccessful";
        filter.And(BACKBEAT_UNSUCCESSFUL);
      }
    } else {
      index = " INDEXED BY runs_active_by_task";
      filter.And(BACKBEAT_ACTIVE);
    }
  }
  if (q.id) filter.And("id = ?", *q.id);
  if (q.account_ids) codec::AccountFilter(filter, *q.account_ids);
  if (q.task_id) filter.And("task_id = ?", *q.task_id);
  if (q.status) filter.And("status = ?", std::string(core::RunStatusName(*q.status)));
  if (q.after) filter.And("(created_at_ms, id) < (?, ?)", ToMs(q.after->created_at), q.after->id);
  std::string sql = SelectSql() + std::string(index) + filter.Sql() +
                    " ORDER BY created_at_ms DESC, id DESC LIMIT ?";
  return readers_.Read([&](Connection& c) -> core::Result<std::vector<core::Run>> {
    core::Result<Statement> s = c.Prepare(sql);
    if (!s.ok()) return s.status();
    filter.BindAll(*s);
    s->BindInt(filter.NextIndex(), codec::LimitParam(q.limit));
    return ReadRuns(*s);
  });
}

namespace {

// Rewrites the run row (every column) and its attempts; `guard` adds conditions to the UPDATE.
// Answers false when the guarded row did not match.
core::Result<bool> RewriteRun(Connection& c, const core::Run& run,
                              const std::optional<core::RunStatus>& expected_status,
                              const std::optional<std::string>& expected_owner) {
  // Only the columns a run's life changes: SQLite rewrites the entries of every index whose
  // columns appear in SET, so naming the fixed ones (task, account, slot, created_at...) would
  // cost a delete and an insert in each of their indexes per lifecycle step.
  static const std::string kSql =
      "UPDATE runs SET status = ?5, updated_at_ms = ?10, started_at_ms = ?11, "
      "finished_at_ms = ?12, delayed_until_ms = ?13, expired_at_ms = ?14, "
      "cost_in_cents = ?16, base_cost_in_cents = ?17, duration_ms = ?18, output_json = ?20, "
      "error_message = ?21, error_name = ?22, error_stack_trace = ?23, lease_owner = ?29, "
      "lease_expires_ms = ?30, available_at_ms = ?31, attempts_json = ?32 "
      "WHERE id = ?1 AND (?33 IS NULL OR status = ?33) AND (?34 IS NULL OR lease_owner = ?34)";
  {
    core::Result<Statement> s = c.Prepare(kSql);
    if (!s.ok()) return s.status();
    BindRun(*s, run);
    if (expected_status) {
      s->BindText(33, core::RunStatusName(*expected_status));
    } else {
      s->BindNull(33);
    }
    s->BindOptText(34, expected_owner);
    if (core::Status st = s->Run(); !st.ok()) return st;
  }
  return c.Changes() != 0;
}

core::Result<bool> RunExists(Connection& c, std::string_view id) {
  core::Result<Statement> s = c.Prepare("SELECT 1 FROM runs WHERE id = ?1");
  if (!s.ok()) return s.status();
  s->BindText(1, id);
  return s->Step();
}

}  // namespace

core::Result<bool> InsertRunIfAbsent(Connection& c, const core::Run& run) {
  static const std::string kSql = InsertSql() + " ON CONFLICT DO NOTHING";
  {
    core::Result<Statement> s = c.Prepare(kSql);
    if (!s.ok()) return s.status();
    BindRun(*s, run);
    if (core::Status st = s->Run(); !st.ok()) return st;
  }
  return c.Changes() != 0;
}

std::string_view ActiveRunPredicate() { return BACKBEAT_ACTIVE; }

core::Result<size_t> InsertRunsIfAbsent(Connection& c, std::span<const core::Run* const> runs) {
  size_t inserted = 0;
  size_t i = 0;
  for (; i + kInsertChunk <= runs.size(); i += kInsertChunk) {
    core::Result<Statement> s = c.Prepare(InsertChunkSql());
    if (!s.ok()) return s.status();
    for (size_t j = 0; j < kInsertChunk; ++j) {
      BindRun(*s, *runs[i + j], static_cast<int>(j) * kColumnCount);
    }
    if (core::Status st = s->Run(); !st.ok()) return st;
    inserted += static_cast<size_t>(c.Changes());
  }
  for (; i < runs.size(); ++i) {
    core::Result<bool> one = InsertRunIfAbsent(c, *runs[i]);
    if (!one.ok()) return one.status();
    if (*one) ++inserted;
  }
  return inserted;
}

core::Result<int> CountActiveRuns(Connection& c, std::string_view task_id) {
  core::Result<Statement> s = c.Prepare(
      "SELECT count(*) FROM runs INDEXED BY runs_active_by_task WHERE task_id = ?1 "
      "AND " BACKBEAT_ACTIVE);
  if (!s.ok()) return s.status();
  s->BindText(1, task_id);
  core::Result<bool> row = s->Step();
  if (!row.ok()) return row.status();
  return static_cast<int>(s->Int(0));
}

namespace {

// A waiting run's place in claim order, read from a waiting-runs index without its row.
struct WaitingKey {
  int64_t available_at = 0;
  int64_t created_at = 0;
  std::string id;
  int64_t rowid = 0;
  std::string account_id;

  bool operator>(const WaitingKey& o) const {
    return std::tie(available_at, created_at, id) > std::tie(o.available_at, o.created_at, o.id);
  }
};

// Keys of waiting runs due at ?1, after the position (?2, ?3, ?4) when ?2 is not null, in claim
// order, at most ?5.
constexpr std::string_view kWaitingKeysSql =
    "SELECT available_at_ms, created_at_ms, id, rowid, account_id FROM runs "
    "INDEXED BY runs_waiting WHERE " BACKBEAT_WAITING
    " AND available_at_ms <= ?1"
    " AND (?2 IS NULL OR (available_at_ms, created_at_ms, id) > (?2, ?3, ?4))"
    " ORDER BY available_at_ms, created_at_ms, id LIMIT ?5";

// The next waiting key of account ?1 due at ?2 after (?3, ?4, ?5).
constexpr std::string_view kAccountNextKeySql =
    "SELECT available_at_ms, created_at_ms, id, rowid, account_id FROM runs "
    "INDEXED BY runs_waiting_by_account WHERE " BACKBEAT_WAITING
    " AND account_id = ?1 AND available_at_ms <= ?2"
    " AND (available_at_ms, created_at_ms, id) > (?3, ?4, ?5)"
    " ORDER BY available_at_ms, created_at_ms, id LIMIT 1";

// The first account after ?1 with a waiting run (one index seek per account).
constexpr std::string_view kNextWaitingAccountSql =
    "SELECT account_id FROM runs INDEXED BY runs_waiting_by_account WHERE " BACKBEAT_WAITING
    " AND account_id > ?1 ORDER BY account_id LIMIT 1";

WaitingKey ReadWaitingKey(const Statement& s) {
  return WaitingKey{s.Int(0), s.Int(1), s.Text(2), s.Int(3), s.Text(4)};
}

// Binds the place in claim order after which a query continues as ?at, ?at+1, ?at+2; three
// NULLs when there is none (from the start).
void BindAfter(Statement& s, int at, const WaitingKey& key) {
  s.BindInt(at, key.available_at);
  s.BindInt(at + 1, key.created_at);
  s.BindText(at + 2, key.id);
}
void BindAfter(Statement& s, int at, const std::optional<WaitingKey>& key) {
  if (key) {
    BindAfter(s, at, *key);
    return;
  }
  s.BindNull(at);
  s.BindNull(at + 1);
  s.BindNull(at + 2);
}

// Pages of full candidate rows read at once, and the most read by one claim.
constexpr int64_t kClaimPage = 256;
constexpr size_t kClaimMaxPages = 32;
// Under a per-account limit: waiting-run keys a claim reads in claim order before it goes on
// account by account, and the keys and accounts it reads in all. Bounded so that one claim
// transaction stays short whatever the backlog.
constexpr size_t kClaimOrderedKeys = 1024;
constexpr size_t kClaimMaxKeys = 8192;
constexpr size_t kClaimMaxAccounts = 65536;

}  // namespace

core::Result<std::vector<core::Run>> SqliteRunStore::Claim(
    const ClaimRequest& request, const std::function<core::Run(core::Run)>& start) {
  if (request.limit == 0) return std::vector<core::Run>{};
  return SubmitWithResult<std::vector<core::Run>>(
      writer_, [&](Connection& c) -> core::Result<std::vector<core::Run>> {
        const int per_account = request.per_account_limit;
        // EXECUTING runs per account, across every node.
        std::unordered_map<std::string, int> executing;
        if (per_account > 0) {
          core::Result<Statement> s = c.Prepare(
              "SELECT account_id, count(*) FROM runs INDEXED BY runs_executing "
              "WHERE status = 'EXECUTING' GROUP BY account_id");
          if (!s.ok()) return s.status();
          for (;;) {
            core::Result<bool> row = s->Step();
            if (!row.ok()) return row.status();
            if (!*row) break;
            executing[s->Text(0)] = static_cast<int>(s->Int(1));
          }
        }
        auto has_room = [&](const std::string& account) {
          if (per_account <= 0) return true;
          auto it = executing.find(account);
          return it == executing.end() || it->second < per_account;
        };

        std::vector<core::Run> claimed;
        // Takes the candidate unless it expired (the sweep cancels it), its account has no
        // room, or it is exclusive and an older run of its task is still active.
        auto try_claim = [&](core::Run run) -> core::Status {
          if (std::optional<core::Millis> ttl = TtlDeadline(run);
              ttl && *ttl < request.now && !run.started_at) {
            return core::Status::Ok();
          }
          if (!has_room(run.account_id)) return core::Status::Ok();
          if (run.exclusive) {
            core::Result<Statement> s = c.Prepare(
                "SELECT 1 FROM runs INDEXED BY runs_active_by_task WHERE task_id = ?1 "
                "AND " BACKBEAT_ACTIVE " AND (created_at_ms, id) < (?2, ?3) LIMIT 1");
            if (!s.ok()) return s.status();
            s->BindText(1, run.task_id);
            s->BindInt(2, ToMs(run.created_at));
            s->BindText(3, run.id);
            core::Result<bool> older = s->Step();
            if (!older.ok()) return older.status();
            if (*older) return core::Status::Ok();
          }
          const core::RunStatus was = run.status;
          core::Run started = start(std::move(run));
          core::Result<bool> written = RewriteRun(c, started, was, std::nullopt);
          if (!written.ok()) return written.status();
          if (!*written) return core::Status::Ok();
          if (per_account > 0) ++executing[started.account_id];
          claimed.push_back(std::move(started));
          return core::Status::Ok();
        };

        if (per_account <= 0) {
          // Candidates page by page in (available_at, created_at, id) order; a page is read
          // whole before any row changes. The pages read are bounded: runs blocked behind an
          // older run of their task (overlap "queue") cannot stall the claimer.
          static const std::string kSql =
              // The planner has no statistics to prefer the partial index on its own and
              // would sort every waiting run per page.
              "SELECT " + std::string(kColumns) + " FROM runs INDEXED BY runs_waiting" +
              " WHERE " BACKBEAT_WAITING
              " AND available_at_ms <= ?1"
              " AND (?2 IS NULL OR (available_at_ms, created_at_ms, id) > (?2, ?3, ?4))"
              " ORDER BY available_at_ms, created_at_ms, id LIMIT ?5";
          std::optional<WaitingKey> after;
          for (size_t pages = 0; claimed.size() < request.limit && pages < kClaimMaxPages;
               ++pages) {
            std::vector<core::Run> page;
            {
              core::Result<Statement> s = c.Prepare(kSql);
              if (!s.ok()) return s.status();
              s->BindInt(1, ToMs(request.now));
              BindAfter(*s, 2, after);
              s->BindInt(5, kClaimPage);
              core::Result<std::vector<core::Run>> rows = ReadRuns(*s);
              if (!rows.ok()) return rows.status();
              page = std::move(rows).value();
            }
            if (page.empty()) break;
            const core::Run& last = page.back();
            after = WaitingKey{ToMs(AvailableAt(last)), ToMs(last.created_at), last.id, 0,
                               last.account_id};
            const size_t read = page.size();
            for (core::Run& run : page) {
              if (claimed.size() >= request.limit) break;
              if (core::Status st = try_claim(std::move(run)); !st.ok()) return st;
            }
            if (read < static_cast<size_t>(kClaimPage)) break;
          }
          return claimed;
        }

        // Under a per-account limit, candidates are read as keys first, so passing over the
        // runs of an account without room costs an index entry, not a row.
        auto claim_key = [&](const WaitingKey& key) -> core::Status {
          static const std::string kRow = SelectSql() + " WHERE rowid = ?1";
          std::vector<core::Run> rows;
          {
            core::Result<Statement> s = c.Prepare(kRow);
            if (!s.ok()) return s.status();
            s->BindInt(1, key.rowid);
            core::Result<std::vector<core::Run>> read = ReadRuns(*s);
            if (!read.ok()) return read.status();
            rows = std::move(read).value();
          }
          if (rows.empty()) return core::Status::Ok();
          return try_claim(std::move(rows.front()));
        };
        // 1. In claim order, as far as kClaimOrderedKeys: what most claims need.
        std::optional<WaitingKey> after;
        size_t keys_read = 0;
        bool more = true;
        while (more && claimed.size() < request.limit && keys_read < kClaimOrderedKeys) {
          std::vector<WaitingKey> page;
          {
            core::Result<Statement> s = c.Prepare(kWaitingKeysSql);
            if (!s.ok()) return s.status();
            s->BindInt(1, ToMs(request.now));
            BindAfter(*s, 2, after);
            s->BindInt(5, kClaimPage);
            for (;;) {
              core::Result<bool> row = s->Step();
              if (!row.ok()) return row.status();
              if (!*row) break;
              page.push_back(ReadWaitingKey(*s));
            }
          }
          more = page.size() == static_cast<size_t>(kClaimPage);
          keys_read += page.size();
          for (const WaitingKey& key : page) {
            if (claimed.size() >= request.limit) break;
            if (!has_room(key.account_id)) continue;
            if (core::Status st = claim_key(key); !st.ok()) return st;
          }
          if (!page.empty()) after = std::move(page.back());
        }
        if (!more || claimed.size() >= request.limit) return claimed;

        // 2. The rest, account by account: the next key of each account with room goes into a
        // heap, which yields them in claim order; an account whose run is taken offers its next.
        // Every key before `after` has been looked at already.
        std::priority_queue<WaitingKey, std::vector<WaitingKey>, std::greater<>> heads;
        auto push_next = [&](const std::string& account, const WaitingKey& from) -> core::Status {
          core::Result<Statement> s = c.Prepare(kAccountNextKeySql);
          if (!s.ok()) return s.status();
          s->BindText(1, account);
          s->BindInt(2, ToMs(request.now));
          BindAfter(*s, 3, from);
          core::Result<bool> row = s->Step();
          if (!row.ok()) return row.status();
          ++keys_read;
          if (*row) heads.push(ReadWaitingKey(*s));
          return core::Status::Ok();
        };
        {
          std::string account;  // "" sorts before every id
          for (size_t accounts = 0; accounts < kClaimMaxAccounts; ++accounts) {
            {
              core::Result<Statement> s = c.Prepare(kNextWaitingAccountSql);
              if (!s.ok()) return s.status();
              s->BindText(1, account);
              core::Result<bool> row = s->Step();
              if (!row.ok()) return row.status();
              if (!*row) break;
              account = s->Text(0);
            }
            if (!has_room(account)) continue;
            if (core::Status st = push_next(account, *after); !st.ok()) return st;
          }
        }
        while (!heads.empty() && claimed.size() < request.limit && keys_read < kClaimMaxKeys) {
          WaitingKey key = heads.top();
          heads.pop();
          if (!has_room(key.account_id)) continue;
          if (core::Status st = claim_key(key); !st.ok()) return st;
          if (has_room(key.account_id)) {
            if (core::Status st = push_next(key.account_id, key); !st.ok()) return st;
          }
        }
        return claimed;
      });
}

core::Result<std::vector<std::string>> SqliteRunStore::Renew(
    std::string_view owner, const std::vector<std::string>& run_ids, core::Millis until) {
  return SubmitWithResult<std::vector<std::string>>(
      writer_, [&](Connection& c) -> core::Result<std::vector<std::string>> {
        std::vector<std::string> lost;
        for (const std::string& id : run_ids) {
          core::Result<Statement> s = c.Prepare(
              "UPDATE runs SET lease_expires_ms = ?3 WHERE id = ?1 AND status = 'EXECUTING' "
              "AND lease_owner = ?2");
          if (!s.ok()) return s.status();
          s->BindText(1, id);
          s->BindText(2, owner);
          s->BindInt(3, ToMs(until));
          if (core::Status st = s->Run(); !st.ok()) return st;
          if (c.Changes() == 0) lost.push_back(id);
        }
        return lost;
      });
}

core::Result<std::vector<core::Status>> SqliteRunStore::ReplaceIf(
    const std::vector<GuardedRun>& updates) {
  return SubmitWithResult<std::vector<core::Status>>(
      writer_, [&](Connection& c) -> core::Result<std::vector<core::Status>> {
        std::vector<core::Status> out;
        out.reserve(updates.size());
        for (const GuardedRun& u : updates) {
          core::Result<bool> written = RewriteRun(c, u.run, u.expected_status, u.expected_owner);
          if (!written.ok()) return written.status();
          if (*written) {
            out.push_back(core::Status::Ok());
            continue;
          }
          core::Result<bool> exists = RunExists(c, u.run.id);
          if (!exists.ok()) return exists.status();
          out.push_back(*exists ? core::Aborted("run " + u.run.id + " changed")
                                : core::NotFound("run " + u.run.id + " not found"));
        }
        return out;
      });
}

core::Result<std::vector<core::Run>> SqliteRunStore::ListStale(core::Millis now, size_t limit) {
  return readers_.Read([&](Connection& c) -> core::Result<std::vector<core::Run>> {
    static const std::string kSql = SelectSql() +
                                    " WHERE id IN (SELECT id FROM runs INDEXED BY runs_executing"
                                    " WHERE status = 'EXECUTING' AND lease_expires_ms < ?1"
                                    " UNION SELECT id FROM runs INDEXED BY runs_waiting"
                                    " WHERE " BACKBEAT_WAITING
                                    " AND started_at_ms IS NULL AND ttl_seconds IS NOT NULL"
                                    " AND created_at_ms + ttl_seconds * 1000 < ?1)"
                                    " ORDER BY created_at_ms, id LIMIT ?2";
    core::Result<Statement> s = c.Prepare(kSql);
    if (!s.ok()) return s.status();
    s->BindInt(1, ToMs(now));
    s->BindInt(2, codec::LimitParam(limit));
    return ReadRuns(*s);
  });
}

core::Result<ManualRunResult> SqliteRunStore::InsertManual(const ManualRunRequest& request) {
  return SubmitWithResult<ManualRunResult>(
      writer_, [&](Connection& c) -> core::Result<ManualRunResult> {
        const core::Run& run = request.run;
        if (run.idempotency_key) {
          static const std::string kSql =
              SelectSql() +
              " WHERE task_id = ?1 AND idempotency_key = ?2 AND slot_s IS NULL AND "
              "created_at_ms >= ?3 ORDER BY created_at_ms DESC, id DESC LIMIT 1";
          core::Result<Statement> s = c.Prepare(kSql);
          if (!s.ok()) return s.status();
          s->BindText(1, run.task_id);
          s->BindText(2, *run.idempotency_key);
          s->BindInt(3, ToMs(request.idempotency_since));
          core::Result<std::vector<core::Run>> found = ReadRuns(*s);
          if (!found.ok()) return found.status();
          if (!found->empty()) return ManualRunResult{std::move(found->front()), false};
        }
        if (request.refuse_if_active) {
          core::Result<int> active = CountActiveRuns(c, run.task_id);
          if (!active.ok()) return active.status();
          if (*active > 0) return core::FailedPrecondition("Task already has an active run");
        }
        core::Result<bool> inserted = InsertRunIfAbsent(c, run);
        if (!inserted.ok()) return inserted.status();
        if (!*inserted) return core::AlreadyExists("run " + run.id + " already exists");
        return ManualRunResult{run, true};
      });
}

core::Result<size_t> SqliteRunStore::Prune(core::Millis before, size_t limit) {
  return SubmitWithResult<size_t>(writer_, [&](Connection& c) -> core::Result<size_t> {
    core::Result<Statement> s = c.Prepare(
        // A run finished before the cutoff was created before it: the created-order index
        // narrows the search without an index on finished_at that every finish would write.
        "DELETE FROM runs WHERE id IN (SELECT id FROM runs INDEXED BY runs_by_created "
        "WHERE created_at_ms < ?1 AND finished_at_ms < ?1 AND (status = 'COMPLETED' "
        "OR " BACKBEAT_UNSUCCESSFUL ") LIMIT ?2)");
    if (!s.ok()) return s.status();
    s->BindInt(1, ToMs(before));
    s->BindInt(2, codec::LimitParam(limit));
    if (core::Status st = s->Run(); !st.ok()) return st;
    return static_cast<size_t>(c.Changes());
  });
}

core::Result<std::vector<std::pair<core::RunStatus, int64_t>>> SqliteRunStore::CountByStatus() {
  using Counts = std::vector<std::pair<core::RunStatus, int64_t>>;
  return readers_.Read([](Connection& c) -> core::Result<Counts> {
    core::Result<Statement> s =
        c.Prepare("SELECT status, count(*) FROM runs GROUP BY status ORDER BY status");
    if (!s.ok()) return s.status();
    Counts out;
    for (;;) {
      core::Result<bool> row = s->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      std::optional<core::RunStatus> status = core::ParseRunStatus(s->Text(0));
      if (!status) return core::Internal("unknown run status " + s->Text(0));
      out.emplace_back(*status, s->Int(1));
    }
    std::sort(out.begin(), out.end());
    return out;
  });
}

}  // namespace backbeat::storage::sqlite
