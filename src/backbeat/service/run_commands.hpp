#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "backbeat/core/account/account.hpp"
#include "backbeat/core/cron/cron_expression.hpp"
#include "backbeat/core/status.hpp"
#include "backbeat/core/task/run.hpp"
#include "backbeat/core/time/clock.hpp"
#include "backbeat/core/time/time_zone.hpp"
#include "backbeat/service/ids.hpp"
#include "backbeat/storage/storage.hpp"

namespace backbeat::service {

// What the run commands tell the scheduler of this node. Called after the change is durable.
class RunEvents {
 public:
  virtual ~RunEvents() = default;
  virtual void RunQueued() = 0;                           // a run can be claimed now
  virtual void RunCanceled(std::string_view run_id) = 0;  // stop its attempt if it runs here
};

struct RunCommandOptions {
  std::optional<int64_t> run_ttl_seconds = 3600;  // manual runs not started by then expire
  std::chrono::hours idempotency_window{24};
};

// The run extension endpoints (API.md section 4, "Extensions"): run a task now, cancel a run,
// replay a run. Scope as everywhere: a foreign task is 403, a foreign or unknown run is 404.
//
// Thread-safety: all methods may be called concurrently.
class RunCommands {
 public:
  RunCommands(storage::Storage& storage, const core::ZoneLookup& zones, const core::Clock& clock,
              IdSource& ids, RunEvents& events, RunCommandOptions options = {})
      : storage_(storage),
        zones_(zones),
        clock_(clock),
        ids_(ids),
        events_(events),
        options_(options) {}

  // A new run of the task now. The same idempotency key within the window answers the first
  // run again. Overlap "skip" with an active run: 409 `Task already has an active run`.
  core::Result<core::Run> Trigger(const core::Principal& caller, const std::string& task_id,
                                  const std::optional<std::string>& idempotency_key,
                                  const std::optional<std::string>& account_id);
  // QUEUED, DELAYED, REATTEMPTING or EXECUTING -> CANCELED. A finished run: 409
  // `Run is already finished`.
  core::Result<core::Run> Cancel(const core::Principal& caller, const std::string& run_id);
  // A new run of the same task with the same payload.
  core::Result<core::Run> Replay(const core::Principal& caller, const std::string& run_id);

 private:
  core::Result<core::Run> VisibleRun(const core::Principal& caller, const std::string& run_id);

  storage::Storage& storage_;
  const core::ZoneLookup& zones_;
  const core::Clock& clock_;
  IdSource& ids_;
  RunEvents& events_;
  const RunCommandOptions options_;
};

}  // namespace backbeat::service
