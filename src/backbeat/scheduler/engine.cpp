#include "backbeat/scheduler/engine.hpp"

#include <algorithm>
#include <optional>
#include <unordered_map>

namespace backbeat::scheduler {
namespace {

using std::chrono::milliseconds;

constexpr size_t kSweepBatch = 500;
constexpr size_t kPruneBatch = 1000;
constexpr int kMaxFireRounds = 10000;  // bounds one FireOnce (10,000 batches)

double Seconds(core::Millis later, core::Millis earlier) {
  return std::chrono::duration<double>(later - earlier).count();
}

// Reports the duration of one storage call to the observer when it goes out of scope.
class StorageTimer {
 public:
  StorageTimer(EngineObserver& observer, std::string_view op)
      : observer_(observer), op_(op), start_(std::chrono::steady_clock::now()) {}
  ~StorageTimer() {
    observer_.StorageCall(
        op_, std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
  }
  StorageTimer(const StorageTimer&) = delete;
  StorageTimer& operator=(const StorageTimer&) = delete;

 private:
  EngineObserver& observer_;
  std::string_view op_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace

Engine::Engine(storage::Storage& storage, executors::Executor& executor,
               const core::ZoneLookup& zones, service::IdSource& ids, const core::Clock& clock,
               EngineObserver& observer, EngineOptions options)
    : storage_(storage),
      executor_(executor),
      ids_(ids),
      clock_(clock),
      observer_(observer),
      options_(std::move(options)),
      decider_(zones, ids, options_.firing),
      random_(std::random_device{}()) {}

Engine::~Engine() { Stop(milliseconds(0)); }

void Engine::Start() {
  std::lock_guard lock(mu_);
  if (!threads_.empty()) return;
  stopping_ = false;
  maintenance_stopping_ = false;
  threads_.emplace_back([this] { FireLoop(); });
  threads_.emplace_back([this] { ClaimLoop(); });
  threads_.emplace_back([this] { FlushLoop(); });
  threads_.emplace_back([this] { MaintenanceLoop(); });
  for (size_t i = 0; i < std::max<size_t>(1, options_.workers); ++i) {
    threads_.emplace_back([this] { WorkerLoop(); });
  }
}

void Engine::Stop(milliseconds grace) {
  {
    std::unique_lock lock(mu_);
    if (threads_.empty() || stopping_) return;
    stopping_ = true;
    // Claimed runs that never started go back to waiting (for this node after a restart, or
    // for another node now); the flusher writes that before it exits.
    const core::Millis now = clock_.Now();
    for (auto& flight : ready_) outcomes_.push_back({flight, Release(flight->run, now)});
    ready_.clear();
    fire_cv_.notify_all();
    claim_cv_.notify_all();
    work_cv_.notify_all();
    flush_cv_.notify_all();
    // Running attempts get `grace` to end on their own (leases are still renewed, so a cancel
    // still reaches them), then are asked to stop.
    flush_cv_.wait_for(lock, grace, [&] { return busy_ == 0; });
    maintenance_stopping_ = true;
    maintain_cv_.notify_all();
    for (auto& [id, flight] : in_flight_) {
      if (!flight->cancel.load()) {
        flight->interrupted = true;
        flight->cancel.store(true);
      }
    }
  }
  for (std::thread& t : threads_) t.join();
  threads_.clear();
}

void Engine::Wake() {
  std::lock_guard lock(mu_);
  fire_wake_ = true;
  claim_wake_ = true;
  fire_cv_.notify_all();
  claim_cv_.notify_all();
}

void Engine::WakeFor(std::optional<core::Instant> slot) {
  if (!slot) return;
  std::lock_guard lock(mu_);
  requested_wake_ = std::min(requested_wake_, *slot);
  if (*slot < planned_wake_) {
    fire_wake_ = true;
    fire_cv_.notify_all();
  }
}

void Engine::CancelLocal(std::string_view run_id) {
  std::lock_guard lock(mu_);
  if (auto it = in_flight_.find(run_id); it != in_flight_.end()) it->second->cancel.store(true);
}

EngineStats Engine::stats() const {
  std::lock_guard lock(mu_);
  return {ready_.size(), busy_, std::max<size_t>(1, options_.workers)};
}

milliseconds Engine::NextRetryDelay(int next_attempt) {
  std::lock_guard lock(mu_);
  return RetryDelay(options_.retry, next_attempt,
                    std::uniform_real_distribution<double>(0.0, 1.0)(random_));
}

// --- Firing ---

core::Result<storage::FireSummary> Engine::FireOnce() {
  // Claims wait while a burst is being fired: both need the one writer, and a slot's run must
  // exist (and its slot be decided) before anything else; executing it can wait a moment.
  firing_.store(true);
  struct Done {
    Engine* e;
    ~Done() {
      e->firing_.store(false);
      std::lock_guard lock(e->mu_);
      e->claim_cv_.notify_all();
    }
  } done{this};
  storage::FireSummary total;
  for (int round = 0; round < kMaxFireRounds; ++round) {
    const core::Millis now = clock_.Now();
    // What each task's decision means for the metrics; a task decided again (it changed before
    // the write) keeps only its last decision, the one written.
    struct Outcome {
      std::vector<double> lags;
      std::vector<std::pair<std::string, int64_t>> skips;
    };
    std::unordered_map<std::string, Outcome> outcomes;
    auto decide = [&](const storage::DueTask& due) {
      storage::FireDecision d = decider_.Decide(due, now);
      // Due-ness and catch-up are decided on the round's `now`; a run is stamped with when it
      // was made, which in a large burst is up to a few seconds later (its lag is the truth).
      const core::Millis made = std::max(now, clock_.Now());
      Outcome& o = outcomes[due.task.id];
      o = Outcome{};
      for (core::Run& r : d.runs) {
        r.created_at = r.updated_at = made;
        o.lags.push_back(Seconds(made, core::Millis(*r.slot)));
      }
      for (const storage::SlotSkip& s : d.skips) o.skips.emplace_back(s.reason, s.count);
      return d;
    };
    std::optional<StorageTimer> timer(std::in_place, observer_, "fire");
    core::Result<storage::FireSummary> summary = storage_.schedule().FireDue(
        std::chrono::floor<std::chrono::seconds>(now), options_.fire_batch, decide);
    timer.reset();
    if (!summary.ok()) {
      observer_.StorageError();
      return summary.status();
    }
    // Durable now: report. (A duplicate's lag is counted too; duplicates are rare and counted.)
    for (const auto& [task, outcome] : outcomes) {
      for (double lag : outcome.lags) observer_.SlotFired(lag);
      for (const auto& [reason, count] : outcome.skips) observer_.SlotsSkipped(reason, count);
    }
    if (summary->duplicate_runs > 0) observer_.DuplicateSlots(summary->duplicate_runs);
    total.AddCounts(*summary);
    if (!summary->more) break;
    total.more = true;
    std::lock_guard lock(mu_);
    if (stopping_) break;  // shutdown is bounded: the rest stays due for the next start
  }
  return total;
}

void Engine::FireLoop() {
  for (;;) {
    {
      // Task writes from here on are either seen by the read below or recorded for the check
      // before the sleep.
      std::lock_guard lock(mu_);
      planned_wake_ = core::Instant::min();
      requested_wake_ = core::Instant::max();
    }
    // A read decides whether anything is due, so a wake with nothing due (a task created for
    // next week) costs no write transaction.
    milliseconds sleep = options_.max_sleep;
    core::Instant planned = core::Instant::max();
    core::Result<std::optional<core::Instant>> earliest = storage_.schedule().EarliestSlot();
    if (!earliest.ok()) {
      observer_.StorageError();
      sleep = milliseconds(1000);  // the database is away: try again soon
    } else if (*earliest && core::Millis(**earliest) <= clock_.Now()) {
      core::Result<storage::FireSummary> fired = FireOnce();
      if (fired.ok() && fired->runs > 0) {
        std::lock_guard lock(mu_);
        claim_wake_ = true;
        claim_cv_.notify_all();
      }
      sleep = fired.ok() ? milliseconds(0) : milliseconds(1000);
    } else if (*earliest) {
      planned = **earliest;
      const auto until =
          std::chrono::duration_cast<milliseconds>(core::Millis(**earliest) - clock_.Now());
      sleep = std::clamp(until, milliseconds(0), sleep);
    }
    // An absolute wall-clock deadline: if the clock is set forward (or the machine slept),
    // the wait ends when the wall clock passes it, not after the elapsed time.
    const auto deadline = std::chrono::system_clock::now() + sleep;
    std::unique_lock lock(mu_);
    if (requested_wake_ < planned) continue;  // an earlier slot was written after the read
    planned_wake_ = planned;
    fire_cv_.wait_until(lock, deadline, [&] { return stopping_ || fire_wake_; });
    fire_wake_ = false;
    planned_wake_ = core::Instant::min();
    if (stopping_) return;
  }
}

// --- Claiming and running ---

core::Result<std::vector<core::Run>> Engine::Claim(size_t limit) {
  const core::Millis now = clock_.Now();
  auto start = [&](core::Run run) {
    std::string token = ids_.NewRunId();  // "run_" + 24 characters
    return StartAttempt(std::move(run), now, options_.node_id, options_.lease,
                        "attempt_" + token.substr(4));
  };
  std::optional<StorageTimer> timer(std::in_place, observer_, "claim");
  core::Result<std::vector<core::Run>> claimed =
      storage_.runs().Claim({options_.node_id, now, limit, options_.per_account_limit}, start);
  timer.reset();
  if (!claimed.ok()) {
    observer_.StorageError();
    return claimed;
  }
  for (size_t i = 0; i < claimed->size(); ++i) observer_.AttemptStarted();
  return claimed;
}

core::Run Engine::Execute(InFlight& flight) {
  const core::Run& run = flight.run;
  const int attempt = static_cast<int>(run.attempts.size());
  executors::ExecutionResult result;
  core::Result<core::Task> task = storage_.tasks().Get(run.task_id);
  if (flight.cancel.load()) {
    // Canceled (or shutting down) while it waited for a worker: never start it.
    result = executors::Canceled();
  } else if (task.ok()) {
    std::string email;
    if (core::Result<core::Account> owner = storage_.accounts().GetAccount(run.account_id);
        owner.ok() && !owner->emails.empty()) {
      email = owner->emails.front();
    }
    executors::ExecutionRequest request{
        *task, run, attempt, email, std::chrono::seconds(run.timeout_seconds), &flight.cancel};
    result = executor_.Execute(request);
  } else if (task.status().code() == core::ErrorCode::kNotFound) {
    result = executors::Canceled();
    result.error =
        core::RunError{"The task was deleted before this run started", "TaskDeletedError", ""};
  } else {
    observer_.StorageError();
    result = executors::Failed("StorageError", task.status().message(), true);
  }
  const core::Millis now = clock_.Now();
  if (flight.interrupted) return Interrupt(run, now, milliseconds(0));
  return FinishAttempt(run, result, now, NextRetryDelay(attempt + 1));
}

core::Status Engine::WriteOutcomes(std::vector<Outcome>& outcomes) {
  if (outcomes.empty()) return core::Status::Ok();
  std::vector<storage::GuardedRun> updates;
  updates.reserve(outcomes.size());
  for (const Outcome& o : outcomes) {
    updates.push_back({o.finished, core::RunStatus::kExecuting, options_.node_id});
  }
  std::optional<StorageTimer> timer(std::in_place, observer_, "finish");
  core::Result<std::vector<core::Status>> written = storage_.runs().ReplaceIf(updates);
  timer.reset();
  if (!written.ok()) {
    observer_.StorageError();
    return written.status();
  }
  std::lock_guard lock(mu_);
  for (size_t i = 0; i < outcomes.size(); ++i) {
    const core::Run& run = outcomes[i].finished;
    // Aborted: canceled or taken over meanwhile; the stored run already tells the truth.
    if ((*written)[i].ok() && core::IsFinal(run.status)) observer_.RunFinished(run.status);
    in_flight_.erase(run.id);
  }
  claim_wake_ = true;
  claim_cv_.notify_all();
  return core::Status::Ok();
}

core::Result<size_t> Engine::ClaimAndRunOnce(size_t limit) {
  core::Result<std::vector<core::Run>> claimed = Claim(limit);
  if (!claimed.ok()) return claimed.status();
  std::vector<Outcome> outcomes;
  for (core::Run& run : *claimed) {
    auto flight = std::make_shared<InFlight>();
    flight->run = std::move(run);
    {
      std::lock_guard lock(mu_);
      in_flight_.emplace(flight->run.id, flight);
    }
    core::Run finished = Execute(*flight);
    outcomes.push_back({flight, std::move(finished)});
  }
  if (core::Status s = WriteOutcomes(outcomes); !s.ok()) return s;
  return outcomes.size();
}

void Engine::ClaimLoop() {
  const size_t workers = std::max<size_t>(1, options_.workers);
  // Room for two claim batches beyond the workers: the next claim (a write that waits for its
  // commit) runs while the workers go through the last one, instead of after them. With one,
  // the writer idled a quarter of a 100,000-run burst's completion (profiled).
  const size_t capacity = workers + 2 * std::max<size_t>(1, options_.claim_batch);
  for (;;) {
    size_t want = 0;
    {
      std::unique_lock lock(mu_);
      if (stopping_) return;
      want = std::min(capacity - std::min(capacity, in_flight_.size()),
                      std::max<size_t>(1, options_.claim_batch));
      // While a claim is out, the flusher must not finish: a stop may need it to release them.
      if (want > 0) claiming_ = true;
    }
    size_t got = 0;
    bool failed = false;
    if (want > 0) {
      core::Result<std::vector<core::Run>> claimed = Claim(want);
      std::lock_guard lock(mu_);
      claiming_ = false;
      if (claimed.ok()) {
        got = claimed->size();
        const core::Millis now = clock_.Now();
        for (core::Run& run : *claimed) {
          auto flight = std::make_shared<InFlight>();
          flight->run = std::move(run);
          in_flight_.emplace(flight->run.id, flight);
          if (stopping_) {
            // The stop came during the claim: no worker will take these; give them back.
            outcomes_.push_back({flight, Release(flight->run, now)});
          } else {
            ready_.push_back(std::move(flight));
          }
        }
        work_cv_.notify_all();
      } else {
        failed = true;
      }
      flush_cv_.notify_all();
    }
    if (got > 0 && got == want && !firing_.load()) continue;  // there may be more right away
    std::unique_lock lock(mu_);
    claim_cv_.wait_for(lock, failed ? milliseconds(1000) : options_.poll,
                       [&] { return stopping_ || (claim_wake_ && !firing_.load()); });
    claim_wake_ = false;
    if (stopping_) return;
  }
}

void Engine::WorkerLoop() {
  for (;;) {
    std::shared_ptr<InFlight> flight;
    {
      std::unique_lock lock(mu_);
      work_cv_.wait(lock, [&] { return stopping_ || !ready_.empty(); });
      if (ready_.empty()) return;  // stopping, nothing left to start
      flight = std::move(ready_.front());
      ready_.pop_front();
      ++busy_;
    }
    core::Run finished = Execute(*flight);
    std::lock_guard lock(mu_);
    outcomes_.push_back({flight, std::move(finished)});
    --busy_;
    flush_cv_.notify_all();
  }
}

void Engine::FlushLoop() {
  for (;;) {
    std::vector<Outcome> batch;
    {
      std::unique_lock lock(mu_);
      flush_cv_.wait(lock, [&] {
        return !outcomes_.empty() || (stopping_ && busy_ == 0 && ready_.empty() && !claiming_);
      });
      if (outcomes_.empty()) return;  // stopped and nothing left to write
      batch.swap(outcomes_);
    }
    if (WriteOutcomes(batch).ok()) continue;
    // The database is away: keep the outcomes (their leases are renewed meanwhile) and retry.
    std::unique_lock lock(mu_);
    for (Outcome& o : batch) outcomes_.push_back(std::move(o));
    if (stopping_ && busy_ == 0 && !claiming_) {
      // Shutting down with the database away: leave the runs to lease recovery.
      return;
    }
    flush_cv_.wait_for(lock, milliseconds(500));
  }
}

// --- Maintenance ---

core::Status Engine::RenewLeases() {
  std::vector<std::string> ids;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, flight] : in_flight_) ids.push_back(id);
  }
  if (ids.empty()) return core::Status::Ok();
  std::optional<StorageTimer> timer(std::in_place, observer_, "renew");
  core::Result<std::vector<std::string>> lost =
      storage_.runs().Renew(options_.node_id, ids, clock_.Now() + options_.lease);
  timer.reset();
  if (!lost.ok()) {
    observer_.StorageError();
    return lost.status();
  }
  // Canceled through the API (possibly on another node) or taken over: stop those attempts.
  std::lock_guard lock(mu_);
  for (const std::string& id : *lost) {
    if (auto it = in_flight_.find(id); it != in_flight_.end()) it->second->cancel.store(true);
  }
  return core::Status::Ok();
}

core::Result<size_t> Engine::SweepOnce() {
  const core::Millis now = clock_.Now();
  std::optional<StorageTimer> timer(std::in_place, observer_, "sweep");
  core::Result<std::vector<core::Run>> stale = storage_.runs().ListStale(now, kSweepBatch);
  timer.reset();
  if (!stale.ok()) {
    observer_.StorageError();
    return stale.status();
  }
  std::vector<storage::GuardedRun> updates;
  for (const core::Run& run : *stale) {
    if (LeaseEnded(run, now)) {
      {
        std::lock_guard lock(mu_);
        if (in_flight_.contains(run.id)) continue;  // ours and alive: renewal is late, not lost
      }
      const int next = static_cast<int>(run.attempts.size()) + 1;
      updates.push_back(
          {RecoverLostLease(run, now, NextRetryDelay(next)), run.status, run.lease_owner});
    } else if (Expired(run, now)) {
      updates.push_back({Expire(run, now), run.status, std::nullopt});
    }
  }
  if (updates.empty()) return size_t{0};
  core::Result<std::vector<core::Status>> written = storage_.runs().ReplaceIf(updates);
  if (!written.ok()) {
    observer_.StorageError();
    return written.status();
  }
  size_t changed = 0;
  for (size_t i = 0; i < updates.size(); ++i) {
    if (!(*written)[i].ok()) continue;
    ++changed;
    if (core::IsFinal(updates[i].run.status)) observer_.RunFinished(updates[i].run.status);
  }
  if (changed > 0) {
    std::lock_guard lock(mu_);
    claim_wake_ = true;
    claim_cv_.notify_all();
  }
  return changed;
}

core::Result<size_t> Engine::PruneOnce() {
  const core::Millis before = clock_.Now() - options_.retention;
  size_t total = 0;
  for (int round = 0; round < 1000; ++round) {
    core::Result<size_t> n = storage_.runs().Prune(before, kPruneBatch);
    if (!n.ok()) return n.status();
    total += *n;
    if (*n < kPruneBatch) break;
  }
  for (int round = 0; round < 1000; ++round) {
    core::Result<size_t> n = storage_.schedule().PruneSkips(before, kPruneBatch);
    if (!n.ok()) return n.status();
    if (*n < kPruneBatch) break;
  }
  return total;
}

void Engine::MaintenanceLoop() {
  auto next_prune = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  for (;;) {
    (void)RenewLeases();
    (void)SweepOnce();
    if (std::chrono::steady_clock::now() >= next_prune) {
      (void)PruneOnce();
      next_prune = std::chrono::steady_clock::now() + std::chrono::hours(1);
    }
    std::unique_lock lock(mu_);
    maintain_cv_.wait_for(lock, options_.heartbeat, [&] { return maintenance_stopping_; });
    if (maintenance_stopping_) return;
  }
}

}  // namespace backbeat::scheduler
