#pragma once

#include "backbeat/storage/sqlite/group_committer.hpp"
#include "backbeat/storage/sqlite/read_pool.hpp"
#include "backbeat/storage/storage.hpp"

namespace backbeat::storage::sqlite {

// ScheduleStore over `tasks.next_slot_s` (the partial index `tasks_due`), `runs` and
// `slot_skips`. FireDue is one writer unit: the due tasks, their runs, skips and next slots
// commit together or not at all, and the unique (task, slot) index makes a second run for a
// slot impossible.
//
// Thread-safety: all methods may be called concurrently. Borrows the writer and the pool.
class SqliteScheduleStore final : public ScheduleStore {
 public:
  SqliteScheduleStore(GroupCommitter& writer, ReadPool& readers)
      : writer_(writer), readers_(readers) {}

  core::Result<std::optional<core::Instant>> EarliestSlot() override;
  core::Result<FireSummary> FireDue(
      core::Instant now, size_t limit,
      const std::function<FireDecision(const DueTask&)>& decide) override;
  core::Result<std::vector<SlotSkip>> ListSkips(std::string_view task_id, size_t limit) override;
  core::Result<size_t> PruneSkips(core::Millis before, size_t limit) override;

 private:
  GroupCommitter& writer_;
  ReadPool& readers_;
};

}  // namespace backbeat::storage::sqlite
