#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "backbeat/storage/postgres/connection.hpp"
#include "backbeat/storage/postgres/connection_pool.hpp"
#include "backbeat/storage/storage.hpp"

namespace backbeat::storage::postgres {

// Shared with the schedule store, inside its transaction: inserts the run and its attempts in
// one statement unless its id or (task, slot) is taken (answers false then).
core::Result<bool> InsertRunIfAbsent(Connection& c, const core::Run& run);

// RunStore over `runs` and `run_attempts`. A run and its attempts are written by one statement;
// reads of runs with their attempts are one statement too, so they come from one snapshot.
// Claim locks its candidates with FOR UPDATE SKIP LOCKED, so several nodes claim concurrently
// without waiting for each other or taking the same run.
//
// Thread-safety: all methods may be called concurrently. Borrows the pool, which must outlive
// it.
class PostgresRunStore final : public RunStore {
 public:
  explicit PostgresRunStore(ConnectionPool& pool) : pool_(pool) {}

  core::Status Insert(const core::Run& run) override;
  core::Result<core::Run> Get(std::string_view id) override;
  core::Result<std::vector<core::Run>> List(const RunQuery& query) override;
  core::Result<std::vector<core::Run>> Claim(
      const ClaimRequest& request, const std::function<core::Run(core::Run)>& start) override;
  core::Result<std::vector<std::string>> Renew(std::string_view owner,
                                               const std::vector<std::string>& run_ids,
                                               core::Millis until) override;
  core::Result<std::vector<core::Status>> ReplaceIf(
      const std::vector<GuardedRun>& updates) override;
  core::Result<std::vector<core::Run>> ListStale(core::Millis now, size_t limit) override;
  core::Result<ManualRunResult> InsertManual(const ManualRunRequest& request) override;
  core::Result<size_t> Prune(core::Millis before, size_t limit) override;
  core::Result<std::vector<std::pair<core::RunStatus, int64_t>>> CountByStatus() override;

 private:
  ConnectionPool& pool_;
};

}  // namespace backbeat::storage::postgres
