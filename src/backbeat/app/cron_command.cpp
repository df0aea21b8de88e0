#include "backbeat/app/cron_command.hpp"

#include <ostream>

#include "backbeat/core/cron/cron_expression.hpp"

namespace backbeat::app {

int RunCronNext(const CronNextRequest& request, const core::ZoneLookup& zones, core::Instant now,
                std::ostream& out, std::ostream& err) {
  auto expr = core::cron::CronExpression::Parse(request.expression,
                                                {.allow_seconds = request.allow_seconds});
  if (!expr.ok()) {
    err << "invalid cron expression: " << expr.status().message() << "\n";
    return 2;
  }
  auto zone = zones.Find(request.zone);
  if (!zone.ok()) {
    err << zone.status().message() << "\n";
    return 2;
  }
  core::Instant after = now;
  if (request.after) {
    auto parsed = core::ParseIso8601(*request.after);
    if (!parsed.ok()) {
      err << parsed.status().message() << "\n";
      return 2;
    }
    after = *parsed;
  }
  for (core::Instant t : expr->Upcoming(after, **zone, request.count)) {
    out << core::FormatIso8601(t) << "\n";
  }
  return 0;
}

int RunCronDescribe(const std::string& expression, bool allow_seconds, std::ostream& out,
                    std::ostream& err) {
  auto expr = core::cron::CronExpression::Parse(expression, {.allow_seconds = allow_seconds});
  if (!expr.ok()) {
    err << "invalid cron expression: " << expr.status().message() << "\n";
    return 2;
  }
  out << expr->Describe() << "\n";
  return 0;
}

}  // namespace backbeat::app
