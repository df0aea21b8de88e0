#include "backbeat/storage/sqlite/schedule_store.hpp"

#include <algorithm>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "backbeat/core/text/json_string.hpp"
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

// UPDATE tasks SET next_slot_s from a VALUES list of `n` (rowid, next slot) pairs. OR FAIL for
// the reason InsertRunsIfAbsent has (no statement journal); the writer's unit rolls back. By
// rowid, read in the same transaction: one B-tree search per task instead of two (id index,
// then table).
std::string NextSlotSql(size_t n) {
  std::string sql = "UPDATE OR FAIL tasks SET next_slot_s = v.column2 FROM (VALUES ";
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) sql += ", ";
    sql += "(?" + std::to_string(2 * i + 1) + ", ?" + std::to_string(2 * i + 2) + ")";
  }
  return sql + ") AS v WHERE tasks.rowid = v.column1";
}

core::Status WriteNextSlots(Connection& c,
                            const std::vector<std::pair<int64_t, std::optional<int64_t>>>& next) {
  static const std::string kChunkSql = NextSlotSql(kNextSlotChunk);
  static const std::string kOneSql = NextSlotSql(1);
  for (size_t i = 0; i < next.size();) {
    const size_t n = next.size() - i >= kNextSlotChunk ? kNextSlotChunk : 1;
    core::Result<Statement> s = c.Prepare(n == 1 ? kOneSql : kChunkSql);
    if (!s.ok()) return s.status();
    for (size_t j = 0; j < n; ++j) {
      const auto& [rowid, slot] = next[i + j];
      const int at = static_cast<int>(2 * j + 1);
      s->BindInt(at, rowid);
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

namespace {

// Tasks per pipeline step of FireDue, and steps decided ahead of the writer at most.
constexpr size_t kFireStep = 2500;
constexpr size_t kFireStepsInFlight = 8;

// A column of a query over `tasks`: the task's count of active runs (what overlap decides on).
std::string ActiveCountColumn(std::string_view tasks = "tasks") {
  return "(SELECT count(*) FROM runs INDEXED BY runs_active_by_task"
         " WHERE runs.task_id = " +
         std::string(tasks) + ".id AND " + std::string(ActiveRunPredicate()) + ")";
}

// Each due task with its count of active runs, in one statement; ?3/?4 continue after a
// (next slot, id) already taken.
const std::string& DueSql() {
  static const std::string sql =
      "SELECT " + std::string(TaskColumns()) + ", " + ActiveCountColumn() +
      " FROM tasks INDEXED BY tasks_due"
      " WHERE enabled = 1 AND next_slot_s IS NOT NULL AND next_slot_s <= ?1"
      " AND (?3 IS NULL OR (next_slot_s, id) > (?3, ?4))"
      " ORDER BY next_slot_s, id LIMIT ?2";
  return sql;
}

// A due task as a reader saw it, and what was decided from that.
struct Decided {
  DueTask due;
  FireDecision decision;
};

core::Status InsertSkip(Connection& c, const SlotSkip& skip) {
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
  return s->Run();
}

// Inside the writer: applies decisions made on a reader snapshot. A task whose row or active
// runs changed since (an API write, a run created or finished) is read again here and decided
// afresh, so what commits is always decided on the state it commits over.
core::Result<FireSummary> ApplyDecisions(
    Connection& c, core::Instant now, std::vector<Decided>& batch,
    const std::function<FireDecision(const DueTask&)>& decide) {
  struct Current {
    int64_t rowid = 0;
    std::optional<int64_t> next_slot;
    int64_t updated_at = 0;
    bool enabled = false;
    int active = 0;
  };
  // The writer is the one serial step of a burst: this reads each task's current state in
  // one statement, in the batch's order (by position), and copies no run or id.
  std::vector<std::optional<Current>> current(batch.size());
  {
    static const std::string kSql =
        "SELECT CAST(j.key AS INTEGER), t.rowid, t.next_slot_s, t.updated_at_ms, t.enabled, " +
        ActiveCountColumn("t") + " FROM json_each(?1) AS j JOIN tasks AS t ON t.id = j.value";
    std::string ids = "[";
    for (const Decided& d : batch) {
      if (ids.size() > 1) ids += ',';
      core::AppendJsonString(ids, d.due.task.id);
    }
    ids += ']';
    core::Result<Statement> s = c.Prepare(kSql);
    if (!s.ok()) return s.status();
    s->BindText(1, ids);
    for (;;) {
      core::Result<bool> row = s->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      const int64_t at = s->Int(0);
      if (at < 0 || static_cast<size_t>(at) >= batch.size()) continue;
      current[static_cast<size_t>(at)] =
          Current{s->Int(1), s->OptInt(2), s->Int(3), s->Int(4) != 0, static_cast<int>(s->Int(5))};
    }
  }
  FireSummary summary;
  std::vector<const core::Run*> runs;
  runs.reserve(batch.size());
  std::vector<std::pair<int64_t, std::optional<int64_t>>> next;
  next.reserve(batch.size());
  for (size_t at = 0; at < batch.size(); ++at) {
    Decided& d = batch[at];
    if (!current[at]) continue;  // deleted meanwhile
    const Current& now_row = *current[at];
    if (!now_row.enabled || !now_row.next_slot || *now_row.next_slot > ToS(now)) continue;
    const core::Task& seen = d.due.task;
    const bool unchanged = seen.next_slot && ToS(*seen.next_slot) == *now_row.next_slot &&
                           ToMs(seen.updated_at) == now_row.updated_at &&
                           d.due.active_runs == now_row.active;
    if (!unchanged) {
      static const std::string kOne =
          "SELECT " + std::string(TaskColumns()) + " FROM tasks WHERE id = ?1";
      core::Result<Statement> s = c.Prepare(kOne);
      if (!s.ok()) return s.status();
      s->BindText(1, seen.id);
      core::Result<bool> row = s->Step();
      if (!row.ok()) return row.status();
      if (!*row) continue;
      core::Result<core::Task> task = ReadTask(*s);
      if (!task.ok()) return task.status();
      d.due = DueTask{std::move(task).value(), now_row.active};
      d.decision = decide(d.due);
    }
    for (const core::Run& run : d.decision.runs) runs.push_back(&run);
    for (const SlotSkip& skip : d.decision.skips) {
      if (core::Status st = InsertSkip(c, skip); !st.ok()) return st;
      summary.skipped_slots += skip.count;
    }
    std::optional<int64_t> slot;
    if (d.decision.next_slot) slot = ToS(*d.decision.next_slot);
    next.emplace_back(now_row.rowid, slot);
    ++summary.tasks;
  }
  core::Result<size_t> inserted = InsertRunsIfAbsent(c, runs);
  if (!inserted.ok()) return inserted.status();
  summary.runs = *inserted;
  summary.duplicate_runs = runs.size() - *inserted;
  if (core::Status st = WriteNextSlots(c, next); !st.ok()) return st;
  return summary;
}

}  // namespace

// A pipeline of steps: this thread reads the next step's due tasks from a reader snapshot and
// decides them (building each run: ids, payload, upcoming fires) while the writer applies the
// previous step. The writer, the one serial resource, then spends its time on the rows alone.
core::Result<FireSummary> SqliteScheduleStore::FireDue(
    core::Instant now, size_t limit, const std::function<FireDecision(const DueTask&)>& decide) {
  if (limit == 0) return FireSummary{};
  // The writer decides again the tasks that changed under a step while this thread decides the
  // next one: the caller's `decide` is never run by both at once.
  std::mutex decide_mu;
  const std::function<FireDecision(const DueTask&)> decide_one = [&](const DueTask& due) {
    std::lock_guard lock(decide_mu);
    return decide(due);
  };
  struct Step {
    std::vector<Decided> batch;
    std::optional<core::Result<FireSummary>> result;
    std::promise<core::Status> done;
    std::future<core::Status> finished = done.get_future();
  };
  // Steps submitted and not yet waited for. A few in flight keep the writer busy while this
  // thread decides ahead, and bound the memory of a large burst (decided runs wait here).
  std::deque<std::unique_ptr<Step>> steps;
  FireSummary summary;
  core::Status first_error = core::Status::Ok();
  auto finish_oldest = [&] {
    std::unique_ptr<Step> step = std::move(steps.front());
    steps.pop_front();
    core::Status st = step->finished.get();
    if (!st.ok()) {
      if (first_error.ok()) first_error = st;
      return;
    }
    summary.AddCounts(step->result->value());
  };
  std::optional<std::pair<int64_t, std::string>> after;
  size_t taken = 0;
  bool more = false;
  core::Status read_error = core::Status::Ok();
  while (taken < limit) {
    const size_t want = std::min(kFireStep, limit - taken);
    core::Result<std::vector<DueTask>> due = readers_.Read([&](Connection& c)
                                                               -> core::Result<
                                                                   std::vector<DueTask>> {
      core::Result<Statement> s = c.Prepare(DueSql());
      if (!s.ok()) return s.status();
      s->BindInt(1, ToS(now));
      s->BindInt(2, codec::LimitParam(want + 1));
      if (after) {
        s->BindInt(3, after->first);
        s->BindText(4, after->second);
      } else {
        s->BindNull(3);
        s->BindNull(4);
      }
      std::vector<DueTask> out;
      for (;;) {
        core::Result<bool> row = s->Step();
        if (!row.ok()) return row.status();
        if (!*row) return out;
        core::Result<core::Task> task = ReadTask(*s);
        if (!task.ok()) return task.status();
        out.push_back(DueTask{std::move(task).value(), static_cast<int>(s->Int(kTaskColumnCount))});
      }
    });
    if (!due.ok()) {
      read_error = due.status();
      break;
    }
    const bool step_full = due->size() > want;
    if (step_full) due->pop_back();
    if (due->empty()) break;
    taken += due->size();
    const core::Task& last = due->back().task;
    after.emplace(ToS(*last.next_slot), last.id);

    auto step = std::make_unique<Step>();
    step->batch.reserve(due->size());
    for (DueTask& task : *due) {
      FireDecision decision = decide_one(task);
      step->batch.push_back(Decided{std::move(task), std::move(decision)});
    }
    while (steps.size() >= kFireStepsInFlight) finish_oldest();
    if (!first_error.ok()) break;
    Step* raw = step.get();
    writer_.SubmitAsync(
        [raw, now, &decide_one](Connection& c) -> core::Status {
          raw->result.emplace(ApplyDecisions(c, now, raw->batch, decide_one));
          return raw->result->ok() ? core::Status::Ok() : raw->result->status();
        },
        [raw](core::Status st) { raw->done.set_value(st); });
    steps.push_back(std::move(step));
    if (!step_full) break;
    if (taken == limit) more = true;
  }
  // Every submitted step is waited for, whatever failed, so none outlives this call.
  while (!steps.empty()) finish_oldest();
  if (first_error.ok()) first_error = read_error;
  if (!first_error.ok()) return first_error;
  summary.more = more;
  return summary;
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
