#include "backbeat/storage/sqlite/task_store.hpp"

#include <string>

#include "backbeat/storage/sqlite/row_codec.hpp"

namespace backbeat::storage::sqlite {
namespace {

using codec::FromMs;
using codec::FromS;
using codec::ToMs;
using codec::ToS;

// Column order shared by SELECT, INSERT and UPDATE: parameter ?N is column N.
constexpr std::string_view kColumns =
    "id, account_id, artist_account_id, title, prompt, schedule, timezone, model, enabled, "
    "overlap, catchup, catchup_window_seconds, max_attempts, timeout_seconds, created_at_ms, "
    "updated_at_ms, next_slot_s";

void BindTask(Statement& s, const core::Task& t) {
  s.BindText(1, t.id);
  s.BindText(2, t.account_id);
  s.BindText(3, t.artist_account_id);
  s.BindText(4, t.title);
  s.BindText(5, t.prompt);
  s.BindText(6, t.schedule);
  s.BindText(7, t.timezone);
  s.BindOptText(8, t.model);
  s.BindInt(9, t.enabled ? 1 : 0);
  s.BindText(10, core::OverlapName(t.overlap));
  s.BindText(11, core::CatchupName(t.catchup));
  s.BindInt(12, t.catchup_window_seconds);
  s.BindInt(13, t.max_attempts);
  s.BindInt(14, t.timeout_seconds);
  s.BindInt(15, ToMs(t.created_at));
  s.BindInt(16, ToMs(t.updated_at));
  if (t.next_slot) {
    s.BindInt(17, ToS(*t.next_slot));
  } else {
    s.BindNull(17);
  }
}

}  // namespace

std::string_view TaskColumns() { return kColumns; }

core::Result<core::Task> ReadTask(const Statement& s) {
  core::Task t;
  t.id = s.Text(0);
  t.account_id = s.Text(1);
  t.artist_account_id = s.Text(2);
  t.title = s.Text(3);
  t.prompt = s.Text(4);
  t.schedule = s.Text(5);
  t.timezone = s.Text(6);
  t.model = s.OptText(7);
  t.enabled = s.Int(8) != 0;
  std::optional<core::Overlap> overlap = core::ParseOverlap(s.Text(9));
  std::optional<core::Catchup> catchup = core::ParseCatchup(s.Text(10));
  if (!overlap || !catchup) return core::Internal("task " + t.id + " has an unknown policy");
  t.overlap = *overlap;
  t.catchup = *catchup;
  t.catchup_window_seconds = s.Int(11);
  t.max_attempts = static_cast<int>(s.Int(12));
  t.timeout_seconds = static_cast<int>(s.Int(13));
  t.created_at = FromMs(s.Int(14));
  t.updated_at = FromMs(s.Int(15));
  if (std::optional<int64_t> slot = s.OptInt(16)) t.next_slot = FromS(*slot);
  return t;
}

namespace {

core::Result<std::vector<core::Task>> ReadTasks(Statement& s) {
  std::vector<core::Task> out;
  for (;;) {
    core::Result<bool> row = s.Step();
    if (!row.ok()) return row.status();
    if (!*row) return out;
    core::Result<core::Task> task = ReadTask(s);
    if (!task.ok()) return task.status();
    out.push_back(std::move(task).value());
  }
}

}  // namespace

core::Status SqliteTaskStore::Create(const core::Task& task) {
  return writer_.Submit(
      [&task](Connection& c) -> core::Status {
        static const std::string kSql =
            "INSERT INTO tasks (" + std::string(kColumns) +
            ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
            "?13, ?14, ?15, ?16, ?17)";
        core::Result<Statement> s = c.Prepare(kSql);
        if (!s.ok()) return s.status();
        BindTask(*s, task);
        core::Status st = s->Run();
        if (st.code() == core::ErrorCode::kAlreadyExists) {
          return core::AlreadyExists("task " + task.id + " already exists");
        }
        return st;
      },
      GroupCommitter::Undo::kStatement);  // one INSERT
}

core::Result<core::Task> SqliteTaskStore::Get(std::string_view id) {
  return readers_.Read([id](Connection& c) -> core::Result<core::Task> {
    static const std::string kSql = "SELECT " + std::string(kColumns) + " FROM tasks WHERE id = ?1";
    core::Result<Statement> s = c.Prepare(kSql);
    if (!s.ok()) return s.status();
    s->BindText(1, id);
    core::Result<bool> row = s->Step();
    if (!row.ok()) return row.status();
    if (!*row) return core::NotFound("task " + std::string(id) + " not found");
    return ReadTask(*s);
  });
}

core::Result<std::vector<core::Task>> SqliteTaskStore::List(const TaskQuery& q) {
  if ((q.account_ids && q.account_ids->empty()) || q.limit == 0) {
    return std::vector<core::Task>{};
  }
  codec::Filter filter;
  if (q.id) filter.And("id = ?", *q.id);
  if (q.account_ids) codec::AccountFilter(filter, *q.account_ids);
  if (q.artist_account_id) filter.And("artist_account_id = ?", *q.artist_account_id);
  if (q.enabled) filter.And("enabled = ?", int64_t{*q.enabled ? 1 : 0});
  if (q.after) filter.And("(created_at_ms, id) < (?, ?)", ToMs(q.after->created_at), q.after->id);
  // The SQL text depends only on which filters are present, so the statement cache stays small.
  std::string sql = "SELECT " + std::string(kColumns) + " FROM tasks" + filter.Sql() +
                    " ORDER BY created_at_ms DESC, id DESC LIMIT ?";
  return readers_.Read([&](Connection& c) -> core::Result<std::vector<core::Task>> {
    core::Result<Statement> s = c.Prepare(sql);
    if (!s.ok()) return s.status();
    filter.BindAll(*s);
    s->BindInt(filter.NextIndex(), codec::LimitParam(q.limit));
    return ReadTasks(*s);
  });
}

core::Status SqliteTaskStore::Update(const core::Task& task) {
  return writer_.Submit([&task](Connection& c) -> core::Status {
    core::Result<Statement> s = c.Prepare(
        "UPDATE tasks SET account_id = ?2, artist_account_id = ?3, title = ?4, prompt = ?5, "
        "schedule = ?6, timezone = ?7, model = ?8, enabled = ?9, overlap = ?10, catchup = ?11, "
        "catchup_window_seconds = ?12, max_attempts = ?13, timeout_seconds = ?14, "
        "created_at_ms = ?15, updated_at_ms = ?16, "
        // The scheduler owns next_slot while the schedule stands: a write computed from an
        // older read must not move it back (that slot would be decided twice).
        "next_slot_s = CASE WHEN schedule IS NOT ?6 OR timezone IS NOT ?7 OR enabled IS NOT ?9 "
        "OR next_slot_s IS NULL THEN ?17 ELSE next_slot_s END WHERE id = ?1");
    if (!s.ok()) return s.status();
    BindTask(*s, task);
    if (core::Status st = s->Run(); !st.ok()) return st;
    if (c.Changes() == 0) return core::NotFound("task " + task.id + " not found");
    return core::Status::Ok();
  });
}

core::Status SqliteTaskStore::Delete(std::string_view id) {
  return writer_.Submit([id](Connection& c) -> core::Status {
    core::Result<Statement> s = c.Prepare("DELETE FROM tasks WHERE id = ?1");
    if (!s.ok()) return s.status();
    s->BindText(1, id);
    if (core::Status st = s->Run(); !st.ok()) return st;
    if (c.Changes() == 0) return core::NotFound("task " + std::string(id) + " not found");
    return core::Status::Ok();
  });
}

core::Result<size_t> SqliteTaskStore::Count() {
  return readers_.Read([](Connection& c) -> core::Result<size_t> {
    core::Result<Statement> s = c.Prepare("SELECT count(*) FROM tasks");
    if (!s.ok()) return s.status();
    core::Result<bool> row = s->Step();
    if (!row.ok()) return row.status();
    return static_cast<size_t>(s->Int(0));
  });
}

}  // namespace backbeat::storage::sqlite
