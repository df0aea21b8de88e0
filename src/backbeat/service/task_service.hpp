#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "backbeat/core/account/account.hpp"
#include "backbeat/core/cron/cron_expression.hpp"
#include "backbeat/core/status.hpp"
#include "backbeat/core/task/run.hpp"
#include "backbeat/core/task/task.hpp"
#include "backbeat/core/time/clock.hpp"
#include "backbeat/core/time/time_zone.hpp"
#include "backbeat/service/ids.hpp"
#include "backbeat/service/inputs.hpp"
#include "backbeat/storage/storage.hpp"

namespace backbeat::service {

// A task as the API shows it: the stored task plus what is computed or joined at read time.
struct TaskView {
  core::Task task;
  std::vector<core::Run> recent_runs;   // newest first, at most 5
  std::vector<core::Instant> upcoming;  // next fires from now; empty while disabled
  std::optional<std::string> owner_email;
};

struct TaskPage {
  std::vector<TaskView> tasks;
  std::optional<storage::PageCursor> next;  // nullopt on the last page
};

// Task use cases shared by the HTTP API and the command line (API.md section 4). Thread-safe;
// methods block on storage.
//
// Views show the owner's primary email. It is read once per account and then reused for
// `owner_email_ttl` (accounts' emails do not change through the storage interface today; the
// TTL bounds how stale a view could be should that change), so reading a task costs two reads
// (the task, its recent runs) instead of three.
class TaskService {
 public:
  struct Options {
    size_t upcoming = 5;
    size_t recent_runs = 5;
    bool allow_seconds = false;  // accept 6-field schedules
    // How long an owner's email is reused; zero reads it for every view.
    std::chrono::milliseconds owner_email_ttl{2000};
    // At most this many owners are remembered; past it, stale entries go, then arbitrary ones.
    size_t owner_email_capacity = 10'000;
  };

  TaskService(storage::Storage& storage, const core::ZoneLookup& zones, const core::Clock& clock,
              IdSource& ids, Options options);

  // Create and Update refuse an enabled task whose schedule never fires in its zone (every
  // reading it names is skipped by daylight saving time): InvalidArgument on `schedule`.
  core::Result<TaskView> Create(const core::Principal& caller, const CreateTaskInput& input);
  core::Result<TaskView> Update(const core::Principal& caller, const UpdateTaskInput& input);
  core::Status Delete(const core::Principal& caller, const DeleteTaskInput& input);
  core::Result<TaskPage> List(const core::Principal& caller, const ListTasksInput& input,
                              const std::optional<storage::PageCursor>& after);

  // The next slot strictly after `after` for `task`'s schedule and zone, or nullopt.
  std::optional<core::Instant> NextSlot(const core::Task& task, core::Instant after) const;

 private:
  core::Result<TaskView> View(const core::Task& task, bool may_have_runs = true);
  // The primary email of `account_id`, from the cache when fresh; nullopt if it has none or
  // the account cannot be read.
  std::optional<std::string> OwnerEmail(const std::string& account_id);
  // `text` parsed (seconds allowed, as stored schedules were validated already), or nullptr if
  // it does not parse. Parsed values are immutable and shared: most tasks share a handful of
  // schedules, and parsing is the larger part of computing a view's upcoming fires.
  std::shared_ptr<const core::cron::CronExpression> Schedule(const std::string& text) const;
  // Fetches a task the caller may change: NotFound or PermissionDenied otherwise.
  core::Result<core::Task> GetForChange(const core::Principal& caller, const std::string& id,
                                        const std::optional<std::string>& account_id);

  storage::Storage& storage_;
  const core::ZoneLookup& zones_;
  const core::Clock& clock_;
  IdSource& ids_;
  Options options_;

  struct CachedEmail {
    std::optional<std::string> email;
    core::Millis read_at{};
  };
  std::mutex owner_mu_;
  std::unordered_map<std::string, CachedEmail> owner_emails_;  // GUARDED_BY(owner_mu_)

  // The next fires of (schedule, zone) at `now`: from a memo while no fire has passed since it
  // was computed, since the list is then the same (4% of a GET's CPU, profiled).
  std::vector<core::Instant> Upcoming(const core::Task& task, core::Instant now);
  struct CachedUpcoming {
    core::Instant from;                // computed for this instant
    std::vector<core::Instant> fires;  // the first fires after it; not empty
  };
  std::mutex upcoming_mu_;
  // By schedule and zone; cleared when full. GUARDED_BY(upcoming_mu_)
  std::unordered_map<std::string, CachedUpcoming> upcoming_;

  // Entries of each memo below (parsed schedules, upcoming fires) before it is cleared.
  static constexpr size_t kMaxMemoEntries = 4096;
  mutable std::mutex schedules_mu_;
  // Parsed schedules by text; cleared when full. GUARDED_BY(schedules_mu_)
  mutable std::unordered_map<std::string, std::shared_ptr<const core::cron::CronExpression>>
      schedules_;
};

// Run use cases: list and detail (API.md section 4, GET /api/tasks/runs).
class RunService {
 public:
  explicit RunService(storage::Storage& storage);

  struct RunPage {
    std::vector<core::Run> runs;
    std::optional<storage::PageCursor> next;
  };
  // The detail form for `input.run_id`, or the filtered list. A run the caller may not see is
  // NotFound `Task run not found`.
  core::Result<RunPage> List(const core::Principal& caller, const ListRunsInput& input,
                             const std::optional<storage::PageCursor>& after);

 private:
  storage::Storage& storage_;
};

}  // namespace backbeat::service
