#include "backbeat/storage/postgres/task_store.hpp"

#include <string>

#include "backbeat/storage/postgres/row_codec.hpp"

namespace backbeat::storage::postgres {
namespace {

using codec::FromMs;
using codec::FromS;
using codec::ToMs;
using codec::ToS;

// Column order shared by SELECT, INSERT and UPDATE: parameter $N is column N.
constexpr std::string_view kColumns =
    "id, account_id, artist_account_id, title, prompt, schedule, timezone, model, enabled, "
    "overlap, catchup, catchup_window_seconds, max_attempts, timeout_seconds, created_at_ms, "
    "updated_at_ms, next_slot_s";

Params TaskParams(const core::Task& t) {
  Params p;
  p.Text(t.id)
      .Text(t.account_id)
      .Text(t.artist_account_id)
      .Text(t.title)
      .Text(t.prompt)
      .Text(t.schedule)
      .Text(t.timezone)
      .OptText(t.model)
      .Bool(t.enabled)
      .Text(core::OverlapName(t.overlap))
      .Text(core::CatchupName(t.catchup))
      .Int(t.catchup_window_seconds)
      .Int(t.max_attempts)
      .Int(t.timeout_seconds)
      .Int(ToMs(t.created_at))
      .Int(ToMs(t.updated_at))
      .OptInt(ToS(t.next_slot));
  return p;
}

}  // namespace

std::string_view TaskColumns() { return kColumns; }

core::Result<core::Task> ReadTask(const Rows& rows, int i) {
  core::Task t;
  t.id = rows.Text(i, 0);
  t.account_id = rows.Text(i, 1);
  t.artist_account_id = rows.Text(i, 2);
  t.title = rows.Text(i, 3);
  t.prompt = rows.Text(i, 4);
  t.schedule = rows.Text(i, 5);
  t.timezone = rows.Text(i, 6);
  t.model = rows.OptText(i, 7);
  t.enabled = rows.Bool(i, 8);
  std::optional<core::Overlap> overlap = core::ParseOverlap(rows.Text(i, 9));
  std::optional<core::Catchup> catchup = core::ParseCatchup(rows.Text(i, 10));
  if (!overlap || !catchup) return core::Internal("task " + t.id + " has an unknown policy");
  t.overlap = *overlap;
  t.catchup = *catchup;
  t.catchup_window_seconds = rows.Int(i, 11);
  t.max_attempts = static_cast<int>(rows.Int(i, 12));
  t.timeout_seconds = static_cast<int>(rows.Int(i, 13));
  t.created_at = FromMs(rows.Int(i, 14));
  t.updated_at = FromMs(rows.Int(i, 15));
  if (std::optional<int64_t> slot = rows.OptInt(i, 16)) t.next_slot = FromS(*slot);
  return t;
}

namespace {

core::Result<std::vector<core::Task>> ReadTasks(const Rows& rows) {
  std::vector<core::Task> out;
  out.reserve(static_cast<size_t>(rows.size()));
  for (int i = 0; i < rows.size(); ++i) {
    core::Result<core::Task> task = ReadTask(rows, i);
    if (!task.ok()) return task.status();
    out.push_back(std::move(task).value());
  }
  return out;
}

}  // namespace

core::Status PostgresTaskStore::Create(const core::Task& task) {
  static const std::string kSql = "INSERT INTO tasks (" + std::string(kColumns) +
                                  ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, "
                                  "$13, $14, $15, $16, $17)";
  return pool_.Run([&](Connection& c) -> core::Status {
    core::Result<Rows> r = c.Exec(kSql, TaskParams(task));
    if (r.status().code() == core::ErrorCode::kAlreadyExists) {
      return core::AlreadyExists("task " + task.id + " already exists");
    }
    return r.status();
  });
}

core::Result<core::Task> PostgresTaskStore::Get(std::string_view id) {
  static const std::string kSql = "SELECT " + std::string(kColumns) + " FROM tasks WHERE id = $1";
  return pool_.Run([&](Connection& c) -> core::Result<core::Task> {
    core::Result<Rows> r = c.Exec(kSql, Params().Text(id));
    if (!r.ok()) return r.status();
    if (r->empty()) return core::NotFound("task " + std::string(id) + " not found");
    return ReadTask(*r, 0);
  });
}

core::Result<std::vector<core::Task>> PostgresTaskStore::List(const TaskQuery& q) {
  if ((q.account_ids && q.account_ids->empty()) || q.limit == 0) {
    return std::vector<core::Task>{};
  }
  codec::Filter filter;
  if (q.id) filter.And("id = ?", [&](Params& p) { p.Text(*q.id); });
  if (q.account_ids) codec::AccountFilter(filter, *q.account_ids);
  if (q.artist_account_id) {
    filter.And("artist_account_id = ?", [&](Params& p) { p.Text(*q.artist_account_id); });
  }
  if (q.enabled) filter.And("enabled = ?", [&](Params& p) { p.Bool(*q.enabled); });
  if (q.after) {
    filter.And("(created_at_ms, id) < (?::bigint, ?::text)",
               [&](Params& p) { p.Int(ToMs(q.after->created_at)).Text(q.after->id); });
  }
  std::string sql = "SELECT " + std::string(kColumns) + " FROM tasks" + filter.Sql() +
                    " ORDER BY created_at_ms DESC, id DESC LIMIT ";
  sql += filter.Next();
  filter.params().Int(codec::LimitParam(q.limit));
  return pool_.Run([&](Connection& c) -> core::Result<std::vector<core::Task>> {
    core::Result<Rows> r = c.Exec(sql, filter.params());
    if (!r.ok()) return r.status();
    return ReadTasks(*r);
  });
}

core::Status PostgresTaskStore::Update(const core::Task& task) {
  return pool_.Run([&](Connection& c) -> core::Status {
    core::Result<Rows> r = c.Exec(
        "UPDATE tasks SET account_id = $2, artist_account_id = $3, title = $4, prompt = $5, "
        "schedule = $6, timezone = $7, model = $8, enabled = $9, overlap = $10, catchup = $11, "
        "catchup_window_seconds = $12, max_attempts = $13, timeout_seconds = $14, "
        "created_at_ms = $15, updated_at_ms = $16, "
        // The scheduler owns next_slot while the schedule stands: a write computed from an
        // older read must not move it back (that slot would be decided twice). A concurrent
        // FireDue holds the row lock; this UPDATE then re-reads the row it committed.
        "next_slot_s = CASE WHEN schedule IS DISTINCT FROM $6 OR timezone IS DISTINCT FROM $7 "
        "OR enabled IS DISTINCT FROM $9 OR next_slot_s IS NULL THEN $17 ELSE next_slot_s END "
        "WHERE id = $1",
        TaskParams(task));
    if (!r.ok()) return r.status();
    if (r->Affected() == 0) return core::NotFound("task " + task.id + " not found");
    return core::Status::Ok();
  });
}

core::Status PostgresTaskStore::Delete(std::string_view id) {
  return pool_.Run([&](Connection& c) -> core::Status {
    core::Result<Rows> r = c.Exec("DELETE FROM tasks WHERE id = $1", Params().Text(id));
    if (!r.ok()) return r.status();
    if (r->Affected() == 0) return core::NotFound("task " + std::string(id) + " not found");
    return core::Status::Ok();
  });
}

core::Result<size_t> PostgresTaskStore::Count() {
  return pool_.Run([](Connection& c) -> core::Result<size_t> {
    core::Result<Rows> r = c.Exec("SELECT count(*) FROM tasks");
    if (!r.ok()) return r.status();
    return static_cast<size_t>(r->Int(0, 0));
  });
}

}  // namespace backbeat::storage::postgres
