#include "backbeat/storage/sqlite/schedule_store.hpp"

#include <string>

#include "backbeat/storage/sqlite/row_codec.hpp"
#include "backbeat/storage/sqlite/run_store.hpp"
#include "backbeat/storage/sqlite/submit.hpp"
#include "backbeat/storage/sqlite/task_store.hpp"

namespace backbeat::storage::sqlite {

using codec::FromMs;
using codec::FromS;
using codec::ToMs;
using codec::ToS;

core::Result<std::optional<core::Instant>> SqliteScheduleStore::EarliestSlot() {
  return readers_.Read([](Connection& c) -> core::Result<std::optional<core::Instant>> {
    core::Result<Statement> s = c.Prepare(
        "SELECT next_slot_s FROM tasks INDEXED BY tasks_due "
        "WHERE enabled = 1 AND next_slot_s IS NOT NULL "
        "ORDER BY next_slot_s LIMIT 1");
    if (!s.ok()) return s.status();
    core::Result<bool> row = s->Step();
    if (!row.ok()) return row.status();
    if (!*row) return std::optional<core::Instant>{};
    return std::optional<core::Instant>{FromS(s->Int(0))};
  });
}

namespace {

// Next slots written per UPDATE statement (two parameters each).
constexpr size_t kNextSlotChunk = 64;

// UPDATE tasks SET next_slot_s from a VALUES list of `n` (id, next slot) pairs.
std::string NextSlotSql(size_t n) {
  std::string sql = "UPDATE tasks SET next_slot_s = v.column2 FROM (VALUES ";
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) sql += ", ";
    sql += "(?" + std::to_string(2 * i + 1) + ", ?" + std::to_string(2 * i + 2) + ")";
  }
  return sql + ") AS v WHERE tasks.id = v.column1";
}

core::Status WriteNextSlots(
    Connection& c, const std::vector<std::pair<std::string, std::optional<int64_t>>>& next) {
  static const std::string kChunkSql = NextSlotSql(kNextSlotChunk);
  static const std::string kOneSql = NextSlotSql(1);
  for (size_t i = 0; i < next.size();) {
    const size_t n = next.size() - i >= kNextSlotChunk ? kNextSlotChunk : 1;
    core::Result<Statement> s = c.Prepare(n == 1 ? kOneSql : kChunkSql);
    if (!s.ok()) return s.status();
    for (size_t j = 0; j < n; ++j) {
      const auto& [id, slot] = next[i + j];
      const int at = static_cast<int>(2 * j + 1);
      s->BindText(at, id);
      if (slot) {
        s->BindInt(at + 1, *slot);
      } else {
        s->BindNull(at + 1);
      }
    }
    if (core::Status st = s->Run(); !st.ok()) return st;
    i += n;
  }
  return core::Status::Ok();
}

}  // namespace

core::Result<FireSummary> SqliteScheduleStore::FireDue(
    core::Instant now, size_t limit, const std::function<FireDecision(const DueTask&)>& decide) {
  if (limit == 0) return FireSummary{};
  return SubmitWithResult<FireSummary>(writer_, [&](Connection& c) -> core::Result<FireSummary> {
    FireSummary summary;
    std::vector<DueTask> due;
    {
      // Each due task with its count of active runs (what overlap decides on), in one statement.
      static const std::string kSql =
          "SELECT " + std::string(TaskColumns()) +
          ", (SELECT count(*) FROM runs INDEXED BY runs_active_by_task"
          " WHERE runs.task_id = tasks.id AND " +
          std::string(ActiveRunPredicate()) +
          ") FROM tasks INDEXED BY tasks_due"
          " WHERE enabled = 1 AND next_slot_s IS NOT NULL AND next_slot_s <= ?1 "
          "ORDER BY next_slot_s, id LIMIT ?2";
      core::Result<Statement> s = c.Prepare(kSql);
      if (!s.ok()) return s.status();
      s->BindInt(1, ToS(now));
      s->BindInt(2, codec::LimitParam(limit + 1));
      for (;;) {
        core::Result<bool> row = s->Step();
        if (!row.ok()) return row.status();
        if (!*row) break;
        core::Result<core::Task> task = ReadTask(*s);
        if (!task.ok()) return task.status();
        due.push_back(DueTask{std::move(task).value(), static_cast<int>(s->Int(kTaskColumnCount))});
      }
    }
    if (due.size() > limit) {
      summary.more = true;
      due.pop_back();
    }
    // Decisions first, then the writes in bulk: each task appears once in `due`, so no insert
    // here changes the active count another decision read.
    std::vector<core::Run> runs;
    std::vector<std::pair<std::string, std::optional<int64_t>>> next;
    next.reserve(due.size());
    for (const DueTask& task : due) {
      FireDecision decision = decide(task);
      for (core::Run& run : decision.runs) runs.push_back(std::move(run));
      for (const SlotSkip& skip : decision.skips) {
        core::Result<Statement> s = c.Prepare(
            "INSERT INTO slot_skips (task_id, account_id, first_slot_s, last_slot_s, count, "
            "reason, recorded_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
        if (!s.ok()) return s.status();
        s->BindText(1, skip.task_id);
        s->BindText(2, skip.account_id);
        s->BindInt(3, ToS(skip.first));
        s->BindInt(4, ToS(skip.last));
        s->BindInt(5, skip.count);
        s->BindText(6, skip.reason);
        s->BindInt(7, ToMs(skip.recorded_at));
        if (core::Status st = s->Run(); !st.ok()) return st;
        summary.skipped_slots += skip.count;
      }
      std::optional<int64_t> slot;
      if (decision.next_slot) slot = ToS(*decision.next_slot);
      next.emplace_back(task.task.id, slot);
      ++summary.tasks;
    }
    core::Result<size_t> inserted = InsertRunsIfAbsent(c, runs);
    if (!inserted.ok()) return inserted.status();
    summary.runs = *inserted;
    summary.duplicate_runs = runs.size() - *inserted;
    if (core::Status st = WriteNextSlots(c, next); !st.ok()) return st;
    return summary;
  });
}

core::Result<std::vector<SlotSkip>> SqliteScheduleStore::ListSkips(std::string_view task_id,
                                                                   size_t limit) {
  return readers_.Read([&](Connection& c) -> core::Result<std::vector<SlotSkip>> {
    core::Result<Statement> s = c.Prepare(
        "SELECT task_id, account_id, first_slot_s, last_slot_s, count, reason, recorded_at_ms "
        "FROM slot_skips WHERE task_id = ?1 ORDER BY recorded_at_ms DESC, rowid DESC LIMIT ?2");
    if (!s.ok()) return s.status();
    s->BindText(1, task_id);
    s->BindInt(2, codec::LimitParam(limit));
    std::vector<SlotSkip> out;
    for (;;) {
      core::Result<bool> row = s->Step();
      if (!row.ok()) return row.status();
      if (!*row) return out;
      out.push_back(SlotSkip{s->Text(0), s->Text(1), FromS(s->Int(2)), FromS(s->Int(3)), s->Int(4),
                             s->Text(5), FromMs(s->Int(6))});
    }
  });
}

core::Result<size_t> SqliteScheduleStore::PruneSkips(core::Millis before, size_t limit) {
  return SubmitWithResult<size_t>(writer_, [&](Connection& c) -> core::Result<size_t> {
    core::Result<Statement> s = c.Prepare(
        "DELETE FROM slot_skips WHERE rowid IN (SELECT rowid FROM slot_skips "
        "WHERE recorded_at_ms < ?1 LIMIT ?2)");
    if (!s.ok()) return s.status();
    s->BindInt(1, ToMs(before));
    s->BindInt(2, codec::LimitParam(limit));
    if (core::Status st = s->Run(); !st.ok()) return st;
    return static_cast<size_t>(c.Changes());
  });
}

}  // namespace backbeat::storage::sqlite
