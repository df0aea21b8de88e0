#include "backbeat/storage/postgres/schedule_store.hpp"

#include <cstdint>
#include <string>

#include "backbeat/storage/postgres/row_codec.hpp"
#include "backbeat/storage/postgres/run_store.hpp"
#include "backbeat/storage/postgres/task_store.hpp"

namespace backbeat::storage::postgres {

using codec::FromMs;
using codec::FromS;
using codec::ToMs;
using codec::ToS;

core::Result<std::optional<core::Instant>> PostgresScheduleStore::EarliestSlot() {
  return pool_.Run([](Connection& c) -> core::Result<std::optional<core::Instant>> {
    core::Result<Rows> r = c.Exec(
        "SELECT next_slot_s FROM tasks WHERE enabled AND next_slot_s IS NOT NULL "
        "ORDER BY next_slot_s LIMIT 1");
    if (!r.ok()) return r.status();
    if (r->empty()) return std::optional<core::Instant>{};
    return std::optional<core::Instant>{FromS(r->Int(0, 0))};
  });
}

core::Result<FireSummary> PostgresScheduleStore::FireDue(
    core::Instant now, size_t limit, const std::function<FireDecision(const DueTask&)>& decide) {
  if (limit == 0) return FireSummary{};
  // The due tasks, earliest first, each with its count of runs that are not final. Tasks
  // another scheduler is firing (locked) are passed over: that node decides them.
  static const std::string kDue =
      "SELECT " + std::string(TaskColumns()) +
      ", (SELECT count(*) FROM runs WHERE runs.task_id = tasks.id AND runs.status IN "
      "('QUEUED', 'DELAYED', 'EXECUTING', 'REATTEMPTING')) FROM tasks "
      "WHERE enabled AND next_slot_s IS NOT NULL AND next_slot_s <= $1 "
      "ORDER BY next_slot_s, id LIMIT $2 FOR UPDATE OF tasks SKIP LOCKED";
  constexpr int kActiveColumn = 17;
  return pool_.InTransaction([&](Connection& c) -> core::Result<FireSummary> {
    FireSummary summary;
    core::Result<Rows> due = c.Exec(
        kDue, Params().Int(ToS(now)).Int(codec::LimitParam(limit == SIZE_MAX ? limit : limit + 1)));
    if (!due.ok()) return due.status();
    size_t count = static_cast<size_t>(due->size());
    if (count > limit) {
      summary.more = true;
      count = limit;
    }
    for (size_t i = 0; i < count; ++i) {
      const int row = static_cast<int>(i);
      core::Result<core::Task> task = ReadTask(*due, row);
      if (!task.ok()) return task.status();
      FireDecision decision =
          decide(DueTask{*task, static_cast<int>(due->Int(row, kActiveColumn))});
      for (const core::Run& run : decision.runs) {
        // A slot that already has a run keeps it (ON CONFLICT DO NOTHING on the slot key).
        core::Result<bool> inserted = InsertRunIfAbsent(c, run);
        if (!inserted.ok()) return inserted.status();
        ++(*inserted ? summary.runs : summary.duplicate_runs);
      }
      for (const SlotSkip& skip : decision.skips) {
        core::Result<Rows> r = c.Exec(
            "INSERT INTO slot_skips (task_id, account_id, first_slot_s, last_slot_s, count, "
            "reason, recorded_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            Params()
                .Text(skip.task_id)
                .Text(skip.account_id)
                .Int(ToS(skip.first))
                .Int(ToS(skip.last))
                .Int(skip.count)
                .Text(skip.reason)
                .Int(ToMs(skip.recorded_at)));
        if (!r.ok()) return r.status();
        summary.skipped_slots += skip.count;
      }
      core::Result<Rows> r = c.Exec("UPDATE tasks SET next_slot_s = $2 WHERE id = $1",
                                    Params().Text(task->id).OptInt(ToS(decision.next_slot)));
      if (!r.ok()) return r.status();
      ++summary.tasks;
    }
    return summary;
  });
}

core::Result<std::vector<SlotSkip>> PostgresScheduleStore::ListSkips(std::string_view task_id,
                                                                     size_t limit) {
  return pool_.Run([&](Connection& c) -> core::Result<std::vector<SlotSkip>> {
    core::Result<Rows> r = c.Exec(
        "SELECT task_id, account_id, first_slot_s, last_slot_s, count, reason, recorded_at_ms "
        "FROM slot_skips WHERE task_id = $1 ORDER BY recorded_at_ms DESC, seq DESC LIMIT $2",
        Params().Text(task_id).Int(codec::LimitParam(limit)));
    if (!r.ok()) return r.status();
    std::vector<SlotSkip> out;
    for (int i = 0; i < r->size(); ++i) {
      out.push_back(SlotSkip{r->Text(i, 0), r->Text(i, 1), FromS(r->Int(i, 2)), FromS(r->Int(i, 3)),
                             r->Int(i, 4), r->Text(i, 5), FromMs(r->Int(i, 6))});
    }
    return out;
  });
}

core::Result<size_t> PostgresScheduleStore::PruneSkips(core::Millis before, size_t limit) {
  return pool_.Run([&](Connection& c) -> core::Result<size_t> {
    core::Result<Rows> r = c.Exec(
        "DELETE FROM slot_skips WHERE seq IN (SELECT seq FROM slot_skips "
        "WHERE recorded_at_ms < $1 LIMIT $2)",
        Params().Int(ToMs(before)).Int(codec::LimitParam(limit)));
    if (!r.ok()) return r.status();
    return static_cast<size_t>(r->Affected());
  });
}

}  // namespace backbeat::storage::postgres
