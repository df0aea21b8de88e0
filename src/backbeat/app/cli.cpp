#include "backbeat/app/cli.hpp"

#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>

#include "backbeat/app/cron_command.hpp"
#include "backbeat/tzdb/zone_database.hpp"

namespace backbeat::app {

int RunCli(int argc, char** argv) {
  CLI::App app{"backbeat: a durable cron scheduler for AI agent tasks"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "backbeat 0.1.0");

  CLI::App* cron = app.add_subcommand("cron", "Check cron expressions");
  cron->require_subcommand(1);

  CronNextRequest next;
  CLI::App* next_cmd = cron->add_subcommand("next", "Print the next fire times of an expression");
  next_cmd->add_option("expression", next.expression, "Cron expression, e.g. '0 9 * * 4'")
      ->required();
  next_cmd->add_option("--tz", next.zone, "IANA time zone the expression is read in")
      ->capture_default_str();
  next_cmd->add_option("-n", next.count, "How many fire times")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  next_cmd->add_option("--after", next.after,
                       "Start strictly after this instant (ISO-8601, default now)");
  next_cmd->add_flag("--seconds", next.allow_seconds, "Allow 6-field expressions (seconds first)");

  std::string describe_expr;
  bool describe_seconds = false;
  CLI::App* describe_cmd = cron->add_subcommand("describe", "Describe an expression in English");
  describe_cmd->add_option("expression", describe_expr, "Cron expression")->required();
  describe_cmd->add_flag("--seconds", describe_seconds, "Allow 6-field expressions");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }

  if (next_cmd->parsed()) {
    auto zones = tzdb::ZoneDatabase::Load();
    if (!zones.ok()) {
      std::cerr << zones.status().message() << "\n";
      return 1;
    }
    auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    return RunCronNext(next, **zones, now, std::cout, std::cerr);
  }
  if (describe_cmd->parsed()) {
    return RunCronDescribe(describe_expr, describe_seconds, std::cout, std::cerr);
  }
  return 2;
}

}  // namespace backbeat::app
