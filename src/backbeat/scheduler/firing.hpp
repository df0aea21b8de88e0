#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "backbeat/core/cron/cron_expression.hpp"
#include "backbeat/core/time/time_zone.hpp"
#include "backbeat/scheduler/planner.hpp"
#include "backbeat/service/ids.hpp"
#include "backbeat/storage/storage.hpp"

namespace backbeat::scheduler {

struct FiringOptions {
  PlannerOptions planner;
  bool allow_seconds = false;                     // parse 6-field schedules
  std::optional<int64_t> run_ttl_seconds = 3600;  // slot runs not started by then expire
  size_t upcoming_in_payload = 5;
};

// Turns a due task into what FireDue writes: the planner's decision as runs (one per fired
// slot, with its payload) and skip records, and the next nominal slot. Called inside the firing
// transaction, so it reads nothing and only computes.
//
// Thread-safety: Decide may be called from any thread (the parsed-schedule cache is locked).
class SlotDecider {
 public:
  SlotDecider(const core::ZoneLookup& zones, service::IdSource& ids, FiringOptions options)
      : zones_(zones), ids_(ids), options_(options) {}

  storage::FireDecision Decide(const storage::DueTask& due, core::Millis now);

 private:
  // A task whose stored schedule or zone no longer parses (a newer binary wrote it, or the
  // zone left the tz database) stops firing rather than looping: nullopt.
  std::optional<core::cron::CronExpression> Schedule(const std::string& text);

  const core::ZoneLookup& zones_;
  service::IdSource& ids_;
  const FiringOptions options_;
  std::mutex mu_;
  std::map<std::string, core::cron::CronExpression, std::less<>> schedules_;  // guarded by mu_
};

}  // namespace backbeat::scheduler
