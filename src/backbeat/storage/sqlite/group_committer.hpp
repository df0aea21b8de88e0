#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>

#include "backbeat/core/status.hpp"
#include "backbeat/storage/sqlite/connection.hpp"

namespace backbeat::storage::sqlite {

// Counters of the writer, for tests and metrics.
struct WriteStats {
  uint64_t units = 0;         // Units of work run (succeeded or failed).
  uint64_t transactions = 0;  // Transactions committed.
};

// The single writer of a database: owns the write connection and the one thread that uses it.
//
// Group commit: callers submit units of work and block. The writer takes every pending unit (up
// to `max_batch`), runs them in ONE transaction, each inside its own SAVEPOINT, COMMITs once (one
// fsync for the whole batch under synchronous=FULL), and only then answers every caller. A unit
// whose work fails is rolled back to its savepoint and gets its own error; the others commit. If
// the commit itself fails, every unit of the batch that had succeeded gets the commit's error, so
// an OK answer always means "durable".
//
// Thread-safety: Submit may be called from any number of threads. The destructor stops accepting
// work, finishes every unit already queued, and joins the writer.
class GroupCommitter {
 public:
  // Runs inside the batch's transaction and savepoint; must not BEGIN, COMMIT or ROLLBACK.
  using Work = std::function<core::Status(Connection&)>;

  // `max_batch` bounds the units per transaction; 1 gives one transaction per write.
  GroupCommitter(std::unique_ptr<Connection> connection, size_t max_batch);
  ~GroupCommitter();
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  // Runs `work` in the next batch and returns its outcome once the batch is committed (OK) or
  // the work or the commit failed. Unavailable after shutdown has begun. `work` may reference
  // the caller's stack: it has finished running when Submit returns.
  core::Status Submit(Work work);

  WriteStats stats() const;
  // Units submitted and not yet taken by the writer (queue depth, for metrics and tests).
  size_t pending() const;

 private:
  struct Unit {
    Work work;
    std::promise<core::Status> done;
  };

  void Loop();
  void RunBatch(std::vector<std::unique_ptr<Unit>>& batch);
  core::Status RunUnit(Unit& unit);

  const size_t max_batch_;
  std::unique_ptr<Connection> connection_;  // Used only by the writer thread.

  mutable std::mutex mu_;
  std::condition_variable work_ready_;
  std::deque<std::unique_ptr<Unit>> queue_;  // Guarded by mu_.
  bool stopping_ = false;                    // Guarded by mu_.
  WriteStats stats_;                         // Guarded by mu_.

  std::thread writer_;  // Last: starts after every field above is initialised.
};

}  // namespace backbeat::storage::sqlite
