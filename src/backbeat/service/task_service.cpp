#include "backbeat/service/task_service.hpp"

#include <unordered_map>
#include <utility>

namespace backbeat::service {
namespace {

core::Status AccessDeniedToAccount() {
  return core::PermissionDenied("Access denied to specified account_id");
}
core::Status AccessDeniedToTask() { return core::PermissionDenied("Access denied to this task"); }
core::Status TaskNotFound() { return core::NotFound("Task not found"); }

// API.md section 6: a schedule that can never fire is refused. The parser refuses expressions
// that match no day; this is the zone's part: a wildcard schedule whose every reading falls in a
// spring-forward gap ("*/30 2 ? 3 SUN#2" in America/New_York) parses, but would never run.
core::Status NeverFires(const core::Task& task) {
  return core::InvalidField(
      "schedule", "schedule is not a valid cron expression: it never fires in " + task.timezone);
}

}  // namespace

TaskService::TaskService(storage::Storage& storage, const core::ZoneLookup& zones,
                         const core::Clock& clock, IdSource& ids, Options options)
    : storage_(storage), zones_(zones), clock_(clock), ids_(ids), options_(options) {}

std::shared_ptr<const core::cron::CronExpression> TaskService::Schedule(
    const std::string& text) const {
  {
    std::lock_guard lock(schedules_mu_);
    auto it = schedules_.find(text);
    if (it != schedules_.end()) return it->second;
  }
  auto parsed = core::cron::CronExpression::Parse(text, {.allow_seconds = true});
  if (!parsed.ok()) return nullptr;
  auto shared = std::make_shared<const core::cron::CronExpression>(std::move(parsed).value());
  std::lock_guard lock(schedules_mu_);
  if (schedules_.size() >= kMaxMemoEntries) schedules_.clear();
  schedules_.emplace(text, shared);
  return shared;
}

std::optional<core::Instant> TaskService::NextSlot(const core::Task& task,
                                                   core::Instant after) const {
  auto expr = Schedule(task.schedule);
  auto zone = zones_.Find(task.timezone);
  if (!expr || !zone.ok()) return std::nullopt;
  return expr->Next(after, **zone);
}

std::vector<core::Instant> TaskService::Upcoming(const core::Task& task, core::Instant now) {
  std::string key = task.schedule;
  key += '\0';
  key += task.timezone;
  {
    // Upcoming(now) lists the first fires after `now`: for any instant from `from` up to (not
    // including) the first of them, no fire lies in between, so the list is the same.
    std::lock_guard lock(upcoming_mu_);
    auto it = upcoming_.find(key);
    if (it != upcoming_.end() && it->second.from <= now && now < it->second.fires.front()) {
      return it->second.fires;
    }
  }
  auto expr = Schedule(task.schedule);
  auto zone = zones_.Find(task.timezone);
  if (!expr || !zone.ok()) return {};
  std::vector<core::Instant> fires = expr->Upcoming(now, **zone, options_.upcoming);
  if (fires.empty()) return fires;
  std::lock_guard lock(upcoming_mu_);
  if (upcoming_.size() >= kMaxMemoEntries) upcoming_.clear();
  upcoming_.insert_or_assign(std::move(key), CachedUpcoming{now, fires});
  return fires;
}

core::Result<TaskView> TaskService::View(const core::Task& task, bool may_have_runs) {
  TaskView view;
  view.task = task;
  if (task.enabled) view.upcoming = Upcoming(task, clock_.NowSeconds());
  if (may_have_runs) {
    storage::RunQuery runs;
    runs.task_id = task.id;
    runs.limit = options_.recent_runs;
    auto recent = storage_.runs().List(runs);
    if (!recent.ok()) return recent.status();
    view.recent_runs = std::move(recent).value();
  }
  view.owner_email = OwnerEmail(task.account_id);
  return view;
}

std::optional<std::string> TaskService::OwnerEmail(const std::string& account_id) {
  const std::chrono::milliseconds ttl = options_.owner_email_ttl;
  const bool caching = ttl > std::chrono::milliseconds::zero() && options_.owner_email_capacity > 0;
  const core::Millis now = caching ? clock_.Now() : core::Millis{};
  auto fresh = [&](core::Millis read_at) { return now >= read_at && now - read_at < ttl; };
  if (caching) {
    std::lock_guard lock(owner_mu_);
    auto it = owner_emails_.find(account_id);
    if (it != owner_emails_.end() && fresh(it->second.read_at)) return it->second.email;
  }
  auto owner = storage_.accounts().GetAccount(account_id);
  // An unreadable owner shows no email and is not remembered: the next view tries again.
  if (!owner.ok()) return std::nullopt;
  std::optional<std::string> email;
  if (!owner->emails.empty()) email = std::move(owner->emails.front());
  if (caching) {
    std::lock_guard lock(owner_mu_);
    if (owner_emails_.size() >= options_.owner_email_capacity &&
        owner_emails_.find(account_id) == owner_emails_.end()) {
      std::erase_if(owner_emails_, [&](const auto& item) { return !fresh(item.second.read_at); });
      while (owner_emails_.size() >= options_.owner_email_capacity) {
        owner_emails_.erase(owner_emails_.begin());
      }
    }
    owner_emails_.insert_or_assign(account_id, CachedEmail{email, now});
  }
  return email;
}

core::Result<TaskView> TaskService::Create(const core::Principal& caller,
                                           const CreateTaskInput& input) {
  if (input.account_id && !caller.CanActFor(*input.account_id)) return AccessDeniedToAccount();
  core::Task task;
  task.id = ids_.NewUuid();
  task.account_id = input.account_id.value_or(caller.account_id);
  task.artist_account_id = input.artist_account_id;
  task.title = input.title;
  task.prompt = input.prompt;
  task.schedule = input.schedule;
  task.timezone = input.timezone;
  task.model = input.model;
  task.enabled = input.enabled;
  task.overlap = input.overlap;
  task.catchup = input.catchup;
  task.catchup_window_seconds = input.catchup_window_seconds;
  task.max_attempts = input.max_attempts;
  task.timeout_seconds = input.timeout_seconds;
  task.created_at = task.updated_at = clock_.Now();
  // From the same reading as created_at, so no second between them goes unscheduled.
  if (task.enabled) {
    task.next_slot = NextSlot(task, std::chrono::floor<std::chrono::seconds>(task.created_at));
    if (!task.next_slot) return NeverFires(task);
  }
  if (core::Status s = storage_.tasks().Create(task); !s.ok()) return s;
  // A task created this instant under a fresh id has no runs: skip the query.
  return View(task, /*may_have_runs=*/false);
}

core::Result<core::Task> TaskService::GetForChange(const core::Principal& caller,
                                                   const std::string& id,
                                                   const std::optional<std::string>& account_id) {
  if (account_id && !caller.CanActFor(*account_id)) return AccessDeniedToAccount();
  auto task = storage_.tasks().Get(id);
  if (!task.ok()) {
    return task.status().code() == core::ErrorCode::kNotFound ? TaskNotFound() : task.status();
  }
  if (!caller.CanActFor(task->account_id)) return AccessDeniedToTask();
  return task;
}

core::Result<TaskView> TaskService::Update(const core::Principal& caller,
                                           const UpdateTaskInput& input) {
  auto found = GetForChange(caller, input.id, input.account_id);
  if (!found.ok()) return found.status();
  core::Task task = std::move(found).value();
  const bool was_enabled = task.enabled;
  const std::string old_schedule = task.schedule;
  const std::string old_zone = task.timezone;

  if (input.title) task.title = *input.title;
  if (input.prompt) task.prompt = *input.prompt;
  if (input.schedule) task.schedule = *input.schedule;
  if (input.artist_account_id) task.artist_account_id = *input.artist_account_id;
  if (input.model) task.model = *input.model;
  if (input.timezone) task.timezone = *input.timezone;
  if (input.enabled) task.enabled = *input.enabled;
  if (input.overlap) task.overlap = *input.overlap;
  if (input.catchup) task.catchup = *input.catchup;
  if (input.catchup_window_seconds) task.catchup_window_seconds = *input.catchup_window_seconds;
  if (input.max_attempts) task.max_attempts = *input.max_attempts;
  if (input.timeout_seconds) task.timeout_seconds = *input.timeout_seconds;
  task.updated_at = clock_.Now();

  // Slots continue from the previous nominal slot unless the schedule, its zone or the
  // enabled state changed: then they start after now (API.md section 4, PATCH).
  if (!task.enabled) {
    task.next_slot.reset();
  } else if (!was_enabled || task.schedule != old_schedule || task.timezone != old_zone ||
             !task.next_slot) {
    task.next_slot = NextSlot(task, std::chrono::floor<std::chrono::seconds>(task.updated_at));
    if (!task.next_slot) return NeverFires(task);
  }
  if (core::Status s = storage_.tasks().Update(task); !s.ok()) {
    return s.code() == core::ErrorCode::kNotFound ? TaskNotFound() : s;
  }
  return View(task);
}

core::Status TaskService::Delete(const core::Principal& caller, const DeleteTaskInput& input) {
  auto found = GetForChange(caller, input.id, input.account_id);
  if (!found.ok()) return found.status();
  core::Status s = storage_.tasks().Delete(input.id);
  return s.code() == core::ErrorCode::kNotFound ? TaskNotFound() : s;
}

core::Result<TaskPage> TaskService::List(const core::Principal& caller, const ListTasksInput& input,
                                         const std::optional<storage::PageCursor>& after) {
  storage::TaskQuery query;
  if (input.account_id) {
    if (!caller.CanActFor(*input.account_id)) return AccessDeniedToAccount();
    query.account_ids = std::vector<std::string>{*input.account_id};
  } else if (caller.is_admin && input.id) {
    // An admin asking by id alone may read any task.
  } else {
    query.account_ids = std::vector<std::string>{caller.account_id};
  }
  query.id = input.id;
  query.artist_account_id = input.artist_account_id;
  query.enabled = input.enabled;
  query.limit = input.limit + 1;  // one more tells whether another page exists
  query.after = after;
  TaskPage page;
  // The tasks and their recent runs from one snapshot (and, on SQLite, one read transaction
  // instead of one per task plus one).
  core::Status read = storage_.ReadTogether([&]() -> core::Status {
    auto tasks = storage_.tasks().List(query);
    if (!tasks.ok()) return tasks.status();
    std::vector<core::Task>& found = *tasks;
    if (found.size() > input.limit) {
      found.resize(input.limit);
      page.next = storage::PageCursor{found.back().created_at, found.back().id};
    }
    for (const core::Task& task : found) {
      auto view = View(task);
      if (!view.ok()) return view.status();
      page.tasks.push_back(std::move(view).value());
    }
    return core::Status::Ok();
  });
  if (!read.ok()) return read;
  return page;
}

RunService::RunService(storage::Storage& storage) : storage_(storage) {}

core::Result<RunService::RunPage> RunService::List(
    const core::Principal& caller, const ListRunsInput& input,
    const std::optional<storage::PageCursor>& after) {
  RunPage page;
  if (input.run_id) {
    auto run = storage_.runs().Get(*input.run_id);
    // Someone else's run is indistinguishable from a missing one (the original leaks it).
    if (!run.ok() && run.status().code() != core::ErrorCode::kNotFound) return run.status();
    if (!run.ok() || !caller.CanActFor(run->account_id)) {
      return core::NotFound("Task run not found");
    }
    page.runs.push_back(std::move(run).value());
    return page;
  }
  storage::RunQuery query;
  if (input.account_id) {
    if (!caller.CanActFor(*input.account_id)) {
      return core::PermissionDenied("Access denied to specified account_id");
    }
    query.account_ids = std::vector<std::string>{*input.account_id};
  } else {
    query.account_ids = std::vector<std::string>{caller.account_id};
  }
  query.task_id = input.task_id;
  query.status = input.status;
  query.limit = input.limit + 1;
  query.after = after;
  auto runs = storage_.runs().List(query);
  if (!runs.ok()) return runs.status();
  page.runs = std::move(runs).value();
  if (page.runs.size() > input.limit) {
    page.runs.resize(input.limit);
    page.next = storage::PageCursor{page.runs.back().created_at, page.runs.back().id};
  }
  return page;
}

}  // namespace backbeat::service
