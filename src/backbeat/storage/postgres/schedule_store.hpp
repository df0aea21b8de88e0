#pragma once

#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "backbeat/storage/postgres/connection_pool.hpp"
#include "backbeat/storage/storage.hpp"

namespace backbeat::storage::postgres {

// ScheduleStore over `tasks.next_slot_s`, `runs` and `slot_skips`. FireDue locks the due tasks
// it takes with FOR UPDATE SKIP LOCKED, so schedulers on several nodes fire different tasks
// side by side, and writes each batch in one transaction.
//
// Thread-safety: all methods may be called concurrently. Borrows the pool, which must outlive
// it.
class PostgresScheduleStore final : public ScheduleStore {
 public:
  explicit PostgresScheduleStore(ConnectionPool& pool) : pool_(pool) {}

  core::Result<std::optional<core::Instant>> EarliestSlot() override;
  core::Result<FireSummary> FireDue(
      core::Instant now, size_t limit,
      const std::function<FireDecision(const DueTask&)>& decide) override;
  core::Result<std::vector<SlotSkip>> ListSkips(std::string_view task_id, size_t limit) override;
  core::Result<size_t> PruneSkips(core::Millis before, size_t limit) override;

 private:
  ConnectionPool& pool_;
};

}  // namespace backbeat::storage::postgres
