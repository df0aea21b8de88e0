#pragma once

#include <cstddef>
#include <iosfwd>
#include <optional>
#include <string>

#include "backbeat/core/time/instant.hpp"
#include "backbeat/core/time/time_zone.hpp"

namespace backbeat::app {

struct CronNextRequest {
  std::string expression;
  std::string zone = "UTC";
  size_t count = 5;
  std::optional<std::string> after;  // ISO-8601; default `now`
  bool allow_seconds = false;
};

// `backbeat cron next`: prints fire times one per line. Returns the process exit status:
// 0, or 2 with the message on `err` for a bad expression, zone or instant.
int RunCronNext(const CronNextRequest& request, const core::ZoneLookup& zones, core::Instant now,
                std::ostream& out, std::ostream& err);

// `backbeat cron describe`: prints the English description; 2 on a bad expression.
int RunCronDescribe(const std::string& expression, bool allow_seconds, std::ostream& out,
                    std::ostream& err);

}  // namespace backbeat::app
