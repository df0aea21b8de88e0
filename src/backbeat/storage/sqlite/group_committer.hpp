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
// Group commit: callers submit units of work and wait. The writer takes every pending unit (up
// to `max_batch`), runs them in ONE transaction, each inside its own SAVEPOINT (but the first,
// which the transaction itself can undo), COMMITs once (one fsync for the whole batch), and only
// then answers every caller. A unit whose work fails is rolled back (to its savepoint, or the
// whole transaction for a first unit, the rest then starting anew) and gets its own error; the
// others commit. If the commit itself fails, every unit of the batch that had succeeded gets the
// commit's error, so an OK answer always means "durable".
//
// Callers either block (Submit) or pass a completion (SubmitAsync), which lets one thread (an
// event loop) keep many writes waiting for their batches at once without a thread each.
//
// Answering is the job of a second thread, the notifier: waking every caller of a batch costs a
// system call each, and the writer is the one serial step of every write, so it hands the
// finished batch over and starts on the next one at once. Batches are answered in order.
//
// Thread-safety: Submit and SubmitAsync may be called from any number of threads. The destructor
// stops accepting work, finishes and answers every unit already queued, and joins both threads.
class GroupCommitter {
 public:
  // Runs inside the batch's transaction and savepoint; must not BEGIN, COMMIT or ROLLBACK.
  using Work = std::function<core::Status(Connection&)>;

  // Makes every transaction committed so far durable (an fsync of the WAL).
  using Sync = std::function<core::Status()>;

  // `max_batch` bounds the units per transaction; 1 gives one transaction per write.
  //
  // With `sync`, the connection commits without waiting for the disk (synchronous=NORMAL) and
  // the notifier calls `sync` before it answers: one sync covers every batch committed before
  // it started, and the writer runs the next batch meanwhile instead of waiting on the fsync.
  // An answer is still given only once its transaction is durable; a failed sync answers the
  // units it covered with its error (committed, but not known to be on disk). Readers may see
  // a transaction before it is synced; a crash of the process loses nothing committed, a power
  // loss only what no caller was told about. Without `sync` the connection's own synchronous
  // setting decides.
  GroupCommitter(std::unique_ptr<Connection> connection, size_t max_batch, Sync sync = {});
  ~GroupCommitter();
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  // How a failed unit's changes are undone.
  enum class Undo {
    // The unit runs inside its own SAVEPOINT, rolled back when it fails.
    kSavepoint,
    // The unit runs at most one writing statement, which SQLite undoes itself when it fails
    // (statement atomicity, so not an OR FAIL statement; errors that end the whole transaction
    // are handled as for any unit). A savepoint would copy every page the unit changes into
    // SQLite's sub-journal: for a batch of task inserts, a malloc and a 4 KiB copy per page per
    // unit.
    kStatement,
  };

  // Runs `work` in the next batch and returns its outcome once the batch is committed (OK) or
  // the work or the commit failed. Unavailable after shutdown has begun. `work` may reference
  // the caller's stack: it has finished running when Submit returns.
  core::Status Submit(Work work, Undo undo = Undo::kSavepoint);

  // Called once with a unit's outcome, the same outcome Submit would return.
  using Done = std::function<void(core::Status)>;

  // Queues `work` for the next batch and returns at once. `done` runs exactly once: on the
  // notifier thread after the batch is committed (OK) or the work or the commit failed, or, when
  // shutdown has begun, with Unavailable on the calling thread before SubmitAsync returns.
  // Units run, and batches answer, in the order they were submitted, whichever form was used.
  // `work` must own what it uses (it runs later, on the writer thread). `done` must be quick
  // and must not block: every later answer waits behind it. It must not call Submit (its answer
  // would queue behind the completion waiting for it); SubmitAsync is fine. An exception from
  // `done` is swallowed.
  void SubmitAsync(Work work, Done done, Undo undo = Undo::kSavepoint);

  WriteStats stats() const;
  // Units submitted and not yet taken by the writer (queue depth, for metrics and tests).
  size_t pending() const;

 private:
  // A queued write, owned by the queue and then by the writer's batch. Exactly one of `done`
  // (SubmitAsync) and `outcome` (Submit, whose caller waits on its future) is used. The promise
  // lives here rather than on Submit's stack so that the writer never touches memory its waking
  // caller may already have freed.
  struct Unit {
    Work work;
    Done done;
    Undo undo = Undo::kSavepoint;
    std::promise<core::Status> outcome;
  };

  // Queues `unit`; false (and the unit untouched) once shutdown has begun.
  bool Enqueue(std::unique_ptr<Unit>& unit);

  // A committed (or failed) batch and each unit's outcome, waiting for the notifier.
  struct Answers {
    std::vector<std::unique_ptr<Unit>> units;
    std::vector<core::Status> results;
    bool committed = false;  // some unit of the batch committed: the sync must cover it
  };

  void Loop();
  // Runs the batch and returns every unit's outcome, in the batch's order.
  std::vector<core::Status> RunBatch(std::vector<std::unique_ptr<Unit>>& batch);
  core::Status RunUnit(Unit& unit);
  void NotifyLoop();
  static void Answer(Answers& answers);

  const size_t max_batch_;
  std::unique_ptr<Connection> connection_;  // Used only by the writer thread.
  const Sync sync_;                         // Called only by the notifier thread.

  mutable std::mutex mu_;
  std::condition_variable work_ready_;
  std::deque<std::unique_ptr<Unit>> queue_;  // Guarded by mu_.
  bool stopping_ = false;                    // Guarded by mu_.
  WriteStats stats_;                         // Guarded by mu_.

  std::mutex answers_mu_;
  std::condition_variable answers_ready_;
  std::deque<Answers> answers_;  // Guarded by answers_mu_.
  bool writer_done_ = false;     // Guarded by answers_mu_: no more answers will come.

  // Last: they start after every field above is initialised.
  std::thread notifier_;
  std::thread writer_;
};

}  // namespace backbeat::storage::sqlite
