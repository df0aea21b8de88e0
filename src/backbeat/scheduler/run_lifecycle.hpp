#pragma once

#include <chrono>
#include <string>

#include "backbeat/core/task/run.hpp"
#include "backbeat/executors/executor.hpp"

// The run lifecycle as pure transitions (API.md section 5): each takes a run and the time and
// answers the run as it must be stored next. The dispatcher writes them with guards; tests drive
// them with any clock.
namespace backbeat::scheduler {

struct RetryPolicy {
  std::chrono::milliseconds base{1000};   // delay before the second attempt
  double factor = 2.0;                    // growth per attempt
  std::chrono::milliseconds max{300000};  // cap of one delay
  double jitter = 0.2;                    // +/- this fraction, spread by the caller's random
};

// The delay before attempt `next_attempt` (2 for the first retry): base * factor^(n-2), capped,
// then scaled by 1 + jitter * (2 * unit_random - 1). `unit_random` is in [0, 1).
std::chrono::milliseconds RetryDelay(const RetryPolicy& policy, int next_attempt,
                                     double unit_random);

// QUEUED/DELAYED/REATTEMPTING -> EXECUTING with a new attempt and a lease for `owner`.
core::Run StartAttempt(core::Run run, core::Millis now, const std::string& owner,
                       std::chrono::milliseconds lease, std::string attempt_id);

// EXECUTING -> the attempt's outcome: COMPLETED; REATTEMPTING after `retry_delay` when the
// failure is retryable and attempts remain; FAILED otherwise (a timeout is final: FAILED with
// TimeoutError); CANCELED when the attempt was canceled.
core::Run FinishAttempt(core::Run run, const executors::ExecutionResult& result, core::Millis now,
                        std::chrono::milliseconds retry_delay);

// A run whose lease ran out (its worker died): REATTEMPTING while attempts remain, else CRASHED.
core::Run RecoverLostLease(core::Run run, core::Millis now, std::chrono::milliseconds retry_delay);

// An attempt stopped because this node shut down: like a lost lease (retried while attempts
// remain, else CRASHED), with an InterruptedError.
core::Run Interrupt(core::Run run, core::Millis now, std::chrono::milliseconds retry_delay);

// A run claimed but never started here (shutdown came first): back to waiting, the claim's
// attempt undone.
core::Run Release(core::Run run, core::Millis now);

// A run that waited past its TTL without starting: CANCELED with expiredAt.
core::Run Expire(core::Run run, core::Millis now);

// A cancel through the API is service::RunCommands::Cancel (the service cannot call up here).

// Whether the run is stale at `now`: its lease ended, or it waited past its TTL.
bool LeaseEnded(const core::Run& run, core::Millis now);
bool Expired(const core::Run& run, core::Millis now);

}  // namespace backbeat::scheduler
