#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "backbeat/core/time/clock.hpp"
#include "backbeat/core/time/time_zone.hpp"
#include "backbeat/executors/executor.hpp"
#include "backbeat/scheduler/firing.hpp"
#include "backbeat/scheduler/run_lifecycle.hpp"
#include "backbeat/service/ids.hpp"
#include "backbeat/storage/storage.hpp"

namespace backbeat::scheduler {

struct EngineOptions {
  std::string node_id = "node";  // lease owner name; unique per process
  size_t workers = 16;           // attempts running at once
  // Most runs claimed per claim transaction; claimed runs wait in the process for a worker
  // (up to two batches' worth, so claiming overlaps executing).
  size_t claim_batch = 64;
  int per_account_limit = 0;  // EXECUTING runs per account across nodes; 0: no limit
  std::chrono::milliseconds lease{30000};
  std::chrono::milliseconds heartbeat{5000};  // lease renewal and stale-run sweep period
  // Idle claim poll: retries whose delay ends and runs made by other nodes are found this often
  // even if nothing wakes the claimer.
  std::chrono::milliseconds poll{1000};
  // The firing timer sleeps until the earliest next slot, at most this long (a safety net for
  // changes made by other nodes).
  std::chrono::milliseconds max_sleep{60000};
  // Due tasks per FireDue call; the engine looks at SIGTERM between calls. A backend may split a
  // call into smaller transactions (SQLite pipelines steps of 2,500).
  size_t fire_batch = 50000;
  std::chrono::hours retention{24 * 30};
  RetryPolicy retry;
  FiringOptions firing;
};

// Hooks for metrics: called after the change they report is durable. Default: nothing.
class EngineObserver {
 public:
  virtual ~EngineObserver() = default;
  virtual void SlotFired(double lag_seconds) { (void)lag_seconds; }
  virtual void SlotsSkipped(std::string_view reason, int64_t count) { (void)reason, (void)count; }
  virtual void DuplicateSlots(size_t count) { (void)count; }
  virtual void AttemptStarted() {}
  virtual void RunFinished(core::RunStatus status) { (void)status; }
  virtual void StorageError() {}
  // How long one storage call of the scheduler took ("fire", "claim", "finish", "renew", "sweep").
  virtual void StorageCall(std::string_view op, double seconds) { (void)op, (void)seconds; }
};

struct EngineStats {
  size_t queued_in_process = 0;  // claimed, waiting for a worker
  size_t busy_workers = 0;
  size_t workers = 0;
};

// The scheduler and executor pool of one node.
//
// Firing: a thread sleeps until the earliest next slot (or a Wake), then runs FireDue in
// batches: runs and skips are written with the next slots in one transaction each.
// Executing: a claimer takes runnable runs (EXECUTING with a lease for this node, committed
// before the attempt starts), workers run attempts through the Executor, a flusher writes the
// outcomes in batches (guarded: a run canceled or taken over meanwhile is left alone), and a
// maintenance thread renews leases, recovers runs whose lease ended (retry or CRASHED), expires
// runs past their TTL and prunes history past the retention.
//
// The *Once methods run one step synchronously on the caller's thread with the injected clock;
// tests drive the engine through them without starting threads.
//
// Thread-safety: Wake and CancelLocal may be called from any thread; Start/Stop from one.
class Engine {
 public:
  Engine(storage::Storage& storage, executors::Executor& executor, const core::ZoneLookup& zones,
         service::IdSource& ids, const core::Clock& clock, EngineObserver& observer,
         EngineOptions options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  void Start();
  // Stops firing and claiming, lets running attempts finish for up to `grace`, then stops them;
  // an attempt stopped this way is recorded as interrupted (retried while attempts remain).
  void Stop(std::chrono::milliseconds grace);

  // Something changed (a run queued, anything else): look again now.
  void Wake();
  // A task was written whose next slot is `slot`: the timer wakes only if that is earlier than
  // the slot it sleeps until (a busy API does not make it re-read for every write).
  void WakeFor(std::optional<core::Instant> slot);
  // A run was canceled through the API: stop its attempt if it runs here.
  void CancelLocal(std::string_view run_id);

  // --- Synchronous steps (tests, and the threads' bodies) ---
  // Fires every slot due at the clock's now, in as many batches as needed.
  core::Result<storage::FireSummary> FireOnce();
  // Claims up to `limit` runs and runs each attempt here, to the end; answers how many ran.
  core::Result<size_t> ClaimAndRunOnce(size_t limit);
  // Recovers runs whose lease ended and expires runs past their TTL; answers how many changed.
  core::Result<size_t> SweepOnce();
  // Deletes runs and skip records older than the retention; answers how many runs.
  core::Result<size_t> PruneOnce();

  EngineStats stats() const;
  const EngineOptions& options() const { return options_; }

 private:
  struct InFlight {
    core::Run run;
    std::atomic<bool> cancel{false};
    bool interrupted = false;  // stopped by shutdown, not by a cancel
  };
  struct Outcome {
    std::shared_ptr<InFlight> flight;
    core::Run finished;
  };

  void FireLoop();
  void ClaimLoop();
  void WorkerLoop();
  void FlushLoop();
  void MaintenanceLoop();

  core::Result<std::vector<core::Run>> Claim(size_t limit);
  // Runs one attempt to its end and answers the run's next state.
  core::Run Execute(InFlight& flight);
  core::Status WriteOutcomes(std::vector<Outcome>& outcomes);
  core::Status RenewLeases();
  std::chrono::milliseconds NextRetryDelay(int next_attempt);

  storage::Storage& storage_;
  executors::Executor& executor_;
  service::IdSource& ids_;
  const core::Clock& clock_;
  EngineObserver& observer_;
  const EngineOptions options_;
  SlotDecider decider_;

  mutable std::mutex mu_;
  std::condition_variable fire_cv_;      // firing thread: a wake or stop
  std::condition_variable claim_cv_;     // claimer: a wake, a free worker, or stop
  std::condition_variable work_cv_;      // workers: a claimed run, or stop
  std::condition_variable flush_cv_;     // flusher: an outcome, or stop
  std::condition_variable maintain_cv_;  // maintenance: the end of the stop's grace period
  bool stopping_ = false;                // guarded by mu_
  bool maintenance_stopping_ = false;    // guarded by mu_; set after the grace period
  bool fire_wake_ = false;               // guarded by mu_
  // The slot the timer sleeps until (min while it is not sleeping), and the earliest slot
  // WakeFor was told about since the timer last read the database; guarded by mu_.
  core::Instant planned_wake_ = core::Instant::min();
  core::Instant requested_wake_ = core::Instant::max();
  bool claim_wake_ = false;                      // guarded by mu_
  bool claiming_ = false;                        // a claim transaction is out; guarded by mu_
  std::atomic<bool> firing_{false};              // FireOnce is running: claims wait
  std::deque<std::shared_ptr<InFlight>> ready_;  // claimed, not started; guarded by mu_
  std::map<std::string, std::shared_ptr<InFlight>, std::less<>> in_flight_;  // guarded by mu_
  std::vector<Outcome> outcomes_;                                            // guarded by mu_
  size_t busy_ = 0;                                                          // guarded by mu_
  std::mt19937_64 random_;                                                   // guarded by mu_

  std::vector<std::thread> threads_;
};

}  // namespace backbeat::scheduler
