#include "backbeat/storage/sqlite/run_store.hpp"

#include <string>

#include "backbeat/storage/sqlite/row_codec.hpp"

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
    "output_json, error_message, error_name, error_stack_trace, schedule_expression, timezone";

constexpr std::string_view kAttemptColumns =
    "run_id, position, id, status, created_at_ms, updated_at_ms, started_at_ms, "
    "completed_at_ms, error_message, error_name, error_stack_trace";

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

void BindRun(Statement& s, const core::Run& r) {
  s.BindText(1, r.id);
  s.BindText(2, r.task_id);
  s.BindText(3, r.account_id);
  s.BindText(4, r.artist_account_id);
  s.BindText(5, core::RunStatusName(r.status));
  if (r.slot) {
    s.BindInt(6, ToS(*r.slot));
  } else {
    s.BindNull(6);
  }
  s.BindOptText(7, r.idempotency_key);
  s.BindInt(8, r.is_test ? 1 : 0);
  s.BindInt(9, ToMs(r.created_at));
  s.BindInt(10, ToMs(r.updated_at));
  s.BindOptInt(11, ToMs(r.started_at));
  s.BindOptInt(12, ToMs(r.finished_at));
  s.BindOptInt(13, ToMs(r.delayed_until));
  s.BindOptInt(14, ToMs(r.expired_at));
  s.BindOptInt(15, r.ttl_seconds);
  s.BindReal(16, r.cost_in_cents);
  s.BindReal(17, r.base_cost_in_cents);
  s.BindInt(18, r.duration_ms);
  s.BindText(19, r.payload_json);
  s.BindOptText(20, r.output_json);
  BindError(s, 21, r.error);
  s.BindText(24, r.schedule_expression);
  s.BindText(25, r.timezone);
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
  return r;
}

// Fills in the attempts of `run`, in their stored order.
core::Status LoadAttempts(Connection& c, core::Run& run) {
  static const std::string kSql = "SELECT " + std::string(kAttemptColumns) +
                                  " FROM run_attempts WHERE run_id = ?1 ORDER BY position";
  core::Result<Statement> s = c.Prepare(kSql);
  if (!s.ok()) return s.status();
  s->BindText(1, run.id);
  for (;;) {
    core::Result<bool> row = s->Step();
    if (!row.ok()) return row.status();
    if (!*row) return core::Status::Ok();
    core::RunAttempt a;
    a.id = s->Text(2);
    a.status = s->Text(3);
    a.created_at = FromMs(s->Int(4));
    a.updated_at = FromMs(s->Int(5));
    a.started_at = OptMs(*s, 6);
    a.completed_at = OptMs(*s, 7);
    a.error = ReadError(*s, 8);
    run.attempts.push_back(std::move(a));
  }
}

core::Status InsertAttempts(Connection& c, const core::Run& run) {
  static const std::string kSql = "INSERT INTO run_attempts (" + std::string(kAttemptColumns) +
                                  ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
  for (size_t i = 0; i < run.attempts.size(); ++i) {
    const core::RunAttempt& a = run.attempts[i];
    core::Result<Statement> s = c.Prepare(kSql);
    if (!s.ok()) return s.status();
    s->BindText(1, run.id);
    s->BindInt(2, static_cast<int64_t>(i));
    s->BindText(3, a.id);
    s->BindText(4, a.status);
    s->BindInt(5, ToMs(a.created_at));
    s->BindInt(6, ToMs(a.updated_at));
    s->BindOptInt(7, ToMs(a.started_at));
    s->BindOptInt(8, ToMs(a.completed_at));
    BindError(*s, 9, a.error);
    if (core::Status st = s->Run(); !st.ok()) return st;
  }
  return core::Status::Ok();
}

}  // namespace

core::Status SqliteRunStore::Insert(const core::Run& run) {
  return writer_.Submit([&run](Connection& c) -> core::Status {
    static const std::string kSql =
        "INSERT INTO runs (" + std::string(kColumns) +
        ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, "
        "?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25)";
    core::Result<Statement> s = c.Prepare(kSql);
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
    if (!st.ok()) return st;
    return InsertAttempts(c, run);
  });
}

core::Result<core::Run> SqliteRunStore::Get(std::string_view id) {
  return readers_.Read([id](Connection& c) -> core::Result<core::Run> {
    static const std::string kSql = "SELECT " + std::string(kColumns) + " FROM runs WHERE id = ?1";
    core::Result<core::Run> run = core::NotFound("run " + std::string(id) + " not found");
    {
      core::Result<Statement> s = c.Prepare(kSql);
      if (!s.ok()) return s.status();
      s->BindText(1, id);
      core::Result<bool> row = s->Step();
      if (!row.ok()) return row.status();
      if (!*row) return run;
      run = ReadRun(*s);
      if (!run.ok()) return run;
    }
    if (core::Status st = LoadAttempts(c, *run); !st.ok()) return st;
    return run;
  });
}

core::Result<std::vector<core::Run>> SqliteRunStore::List(const RunQuery& q) {
  if ((q.account_ids && q.account_ids->empty()) || q.limit == 0) {
    return std::vector<core::Run>{};
  }
  codec::Filter filter;
  if (q.id) filter.And("id = ?", *q.id);
  if (q.account_ids) codec::AccountFilter(filter, *q.account_ids);
  if (q.task_id) filter.And("task_id = ?", *q.task_id);
  if (q.status) filter.And("status = ?", std::string(core::RunStatusName(*q.status)));
  if (q.after) filter.And("(created_at_ms, id) < (?, ?)", ToMs(q.after->created_at), q.after->id);
  std::string sql = "SELECT " + std::string(kColumns) + " FROM runs" + filter.Sql() +
                    " ORDER BY created_at_ms DESC, id DESC LIMIT ?";
  return readers_.Read([&](Connection& c) -> core::Result<std::vector<core::Run>> {
    std::vector<core::Run> out;
    {
      core::Result<Statement> s = c.Prepare(sql);
      if (!s.ok()) return s.status();
      filter.BindAll(*s);
      s->BindInt(filter.NextIndex(), codec::LimitParam(q.limit));
      for (;;) {
        core::Result<bool> row = s->Step();
        if (!row.ok()) return row.status();
        if (!*row) break;
        core::Result<core::Run> run = ReadRun(*s);
        if (!run.ok()) return run.status();
        out.push_back(std::move(run).value());
      }
    }
    // Same read transaction, so the attempts belong to the snapshot the runs came from.
    for (core::Run& run : out) {
      if (core::Status st = LoadAttempts(c, run); !st.ok()) return st;
    }
    return out;
  });
}

}  // namespace backbeat::storage::sqlite
