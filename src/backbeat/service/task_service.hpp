#pragma once

#include <optional>
#include <string>
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
class TaskService {
 public:
  struct Options {
    size_t upcoming = 5;
    size_t recent_runs = 5;
    bool allow_seconds = false;  // accept 6-field schedules
  };

  TaskService(storage::Storage& storage, const core::ZoneLookup& zones, const core::Clock& clock,
              IdSource& ids, Options options);

  core::Result<TaskView> Create(const core::Principal& caller, const CreateTaskInput& input);
  core::Result<TaskView> Update(const core::Principal& caller, const UpdateTaskInput& input);
  core::Status Delete(const core::Principal& caller, const DeleteTaskInput& input);
  core::Result<TaskPage> List(const core::Principal& caller, const ListTasksInput& input,
                              const std::optional<storage::PageCursor>& after);

  // The next slot strictly after `after` for `task`'s schedule and zone, or nullopt.
  std::optional<core::Instant> NextSlot(const core::Task& task, core::Instant after) const;

 private:
  core::Result<TaskView> View(const core::Task& task, bool may_have_runs = true);
  // Fetches a task the caller may change: NotFound or PermissionDenied otherwise.
  core::Result<core::Task> GetForChange(const core::Principal& caller, const std::string& id,
                                        const std::optional<std::string>& account_id);

  storage::Storage& storage_;
  const core::ZoneLookup& zones_;
  const core::Clock& clock_;
  IdSource& ids_;
  Options options_;
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
