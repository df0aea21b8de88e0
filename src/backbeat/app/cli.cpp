#include "backbeat/app/cli.hpp"

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdlib>
#include <iostream>

#include "backbeat/app/admin_commands.hpp"
#include "backbeat/app/client_commands.hpp"
#include "backbeat/app/cron_command.hpp"
#include "backbeat/app/serve.hpp"
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

  // backbeat serve: every option also reads an environment variable.
  ServeConfig serve;
  CLI::App* serve_cmd =
      app.add_subcommand("serve", "Run the HTTP API, the scheduler and the executor pool");
  serve_cmd->add_option("--listen", serve.listen, "Address to listen on (host:port; port 0 = any)")
      ->envname("BACKBEAT_LISTEN")
      ->capture_default_str();
  serve_cmd
      ->add_option("--db", serve.db,
                   "Database URL: sqlite:PATH, or postgresql://user:password@host:port/db "
                   "(several nodes may share one PostgreSQL database)")
      ->envname("BACKBEAT_DB")
      ->capture_default_str();
  // A plain flag, like --no-scheduler below.
  bool no_migrate = false;
  serve_cmd
      ->add_flag("--no-migrate", no_migrate,
                 "PostgreSQL: refuse to start on a database whose schema is older than this "
                 "binary instead of migrating it (run `backbeat migrate` first); no effect on "
                 "SQLite, which is always migrated at open")
      ->envname("BACKBEAT_NO_MIGRATE");
  serve_cmd
      ->add_option("--db-pool-size", serve.db_pool_size,
                   "PostgreSQL: connections this node opens at most (callers beyond wait)")
      ->envname("BACKBEAT_DB_POOL_SIZE")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  serve_cmd
      ->add_option("--db-statement-timeout", serve.db_statement_timeout_seconds,
                   "PostgreSQL: seconds one statement may run before it is canceled (the "
                   "request answers 503; 0 = no limit)")
      ->envname("BACKBEAT_DB_STATEMENT_TIMEOUT")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 3600.0));
  serve_cmd
      ->add_option("--secret-file", serve.secret_file,
                   "Server secret for key hashes (default: beside the SQLite database, "
                   "./var for PostgreSQL; created with mode 0600)")
      ->envname("BACKBEAT_SECRET_FILE");
  serve_cmd
      ->add_option("--admin-key-file", serve.admin_key_file,
                   "Where the first start writes the admin API key (default: "
                   "admin.key beside the secret's default place)")
      ->envname("BACKBEAT_ADMIN_KEY_FILE");
  serve_cmd->add_option("--io-threads", serve.io_threads, "Threads for sockets")
      ->envname("BACKBEAT_IO_THREADS")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  serve_cmd->add_option("--workers", serve.workers, "Threads running requests (storage calls)")
      ->envname("BACKBEAT_WORKERS")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  serve_cmd->add_option("--max-body", serve.max_body_bytes, "Largest request body in bytes (413)")
      ->envname("BACKBEAT_MAX_BODY")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1024}, size_t{64} << 20));
  serve_cmd->add_option("--max-connections", serve.max_connections, "Open connections at most")
      ->envname("BACKBEAT_MAX_CONNECTIONS")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  serve_cmd
      ->add_option("--rate-limit", serve.rate_limit,
                   "Requests per second per API key (429 beyond; 0 = unlimited)")
      ->envname("BACKBEAT_RATE_LIMIT")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1e9));
  serve_cmd->add_option("--rate-burst", serve.rate_burst, "Burst allowed above --rate-limit")
      ->envname("BACKBEAT_RATE_BURST")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 1e9));
  serve_cmd
      ->add_option("--header-timeout", serve.header_timeout_seconds,
                   "Seconds to receive a whole request once it starts")
      ->envname("BACKBEAT_HEADER_TIMEOUT")
      ->capture_default_str()
      ->check(CLI::Range(0.01, 3600.0));
  serve_cmd
      ->add_option("--idle-timeout", serve.idle_timeout_seconds,
                   "Seconds an idle keep-alive connection stays open")
      ->envname("BACKBEAT_IDLE_TIMEOUT")
      ->capture_default_str()
      ->check(CLI::Range(0.01, 86400.0));
  serve_cmd
      ->add_option("--shutdown-timeout", serve.shutdown_timeout_seconds,
                   "Seconds in-flight requests get to finish on SIGTERM/SIGINT")
      ->envname("BACKBEAT_SHUTDOWN_TIMEOUT")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 3600.0));
  serve_cmd->add_flag("--allow-seconds", serve.allow_seconds, "Accept 6-field (seconds) schedules")
      ->envname("BACKBEAT_ALLOW_SECONDS");
  serve_cmd->add_option("--log-level", serve.log_level, "debug, info, warn or error")
      ->envname("BACKBEAT_LOG_LEVEL")
      ->capture_default_str()
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
  // A plain flag (not CLI11's "!" negation, whose environment value would set the opposite).
  bool no_scheduler = false;
  serve_cmd
      ->add_flag("--no-scheduler", no_scheduler,
                 "Serve the API only: do not fire slots or run attempts on this node")
      ->envname("BACKBEAT_NO_SCHEDULER");
  serve_cmd
      ->add_option("--node-id", serve.node_id,
                   "This node's name in run leases (default: host-pid-random)")
      ->envname("BACKBEAT_NODE_ID");
  serve_cmd
      ->add_option("--executor-workers", serve.executor_workers,
                   "Attempts running at once on this node")
      ->envname("BACKBEAT_EXECUTOR_WORKERS")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  serve_cmd
      ->add_option("--claim-batch", serve.claim_batch,
                   "Runs claimed per claim transaction (waiting here for a worker)")
      ->envname("BACKBEAT_CLAIM_BATCH")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  serve_cmd
      ->add_option("--per-account-limit", serve.per_account_limit,
                   "Runs of one account executing at once, all nodes (0 = no limit)")
      ->envname("BACKBEAT_PER_ACCOUNT_LIMIT")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000000));
  serve_cmd
      ->add_option("--lease-seconds", serve.lease_seconds,
                   "How long a run's lease lasts without renewal (crash detection time)")
      ->envname("BACKBEAT_LEASE_SECONDS")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 3600.0));
  serve_cmd
      ->add_option("--run-ttl", serve.run_ttl_seconds,
                   "Seconds a run may wait to start before it expires (0 = never)")
      ->envname("BACKBEAT_RUN_TTL")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 31536000.0));
  serve_cmd
      ->add_option("--retention-days", serve.retention_days,
                   "Days finished runs and skip records are kept")
      ->envname("BACKBEAT_RETENTION_DAYS")
      ->capture_default_str()
      ->check(CLI::Range(0.01, 36500.0));
  serve_cmd->add_option("--executor", serve.executor, "dry-run, openai, webhook or command")
      ->envname("BACKBEAT_EXECUTOR")
      ->capture_default_str()
      ->check(CLI::IsMember({"dry-run", "openai", "webhook", "command"}));
  serve_cmd->add_option("--default-model", serve.default_model, "Model of tasks that name none")
      ->envname("BACKBEAT_DEFAULT_MODEL");
  serve_cmd
      ->add_option("--openai-base-url", serve.openai_base_url,
                   "OpenAI-compatible API root, e.g. https://api.openai.com/v1")
      ->envname("BACKBEAT_OPENAI_BASE_URL");
  serve_cmd
      ->add_option("--openai-input-price", serve.openai_input_cents_per_million,
                   "Cents per million input tokens (for costInCents)")
      ->envname("BACKBEAT_OPENAI_INPUT_PRICE");
  serve_cmd
      ->add_option("--openai-output-price", serve.openai_output_cents_per_million,
                   "Cents per million output tokens (for costInCents)")
      ->envname("BACKBEAT_OPENAI_OUTPUT_PRICE");
  serve_cmd->add_option("--webhook-url", serve.webhook_url, "Where the webhook executor POSTs")
      ->envname("BACKBEAT_WEBHOOK_URL");
  serve_cmd
      ->add_option("--command", serve.command,
                   "Program and arguments the command executor runs (absolute path)")
      ->envname("BACKBEAT_COMMAND")
      ->expected(1, -1);
  serve_cmd->footer(
      "Secrets come only from the environment: BACKBEAT_OPENAI_API_KEY (openai), "
      "BACKBEAT_WEBHOOK_SECRET (webhook, required).");

  // Administration, directly on the database.
  std::string admin_db = "sqlite:./var/backbeat.db";
  CLI::App* migrate_cmd = app.add_subcommand(
      "migrate", "Bring the database schema to this binary's version, then exit");
  migrate_cmd->add_option("--db", admin_db, "Database URL (sqlite:PATH or postgresql://...)")
      ->envname("BACKBEAT_DB")
      ->capture_default_str();
  std::string admin_secret;
  auto add_db = [&](CLI::App* cmd) {
    cmd->add_option("--db", admin_db, "Database URL")
        ->envname("BACKBEAT_DB")
        ->capture_default_str();
    cmd->add_option("--secret-file", admin_secret, "Server secret file")
        ->envname("BACKBEAT_SECRET_FILE");
  };
  CLI::App* account_cmd = app.add_subcommand("account", "Manage accounts");
  account_cmd->require_subcommand(1);
  std::string account_email, account_name;
  CLI::App* account_create =
      account_cmd->add_subcommand("create", "Create an account; prints its id");
  account_create->add_option("--email", account_email, "Primary email")->required();
  account_create->add_option("--name", account_name, "Display name");
  add_db(account_create);

  CLI::App* org_cmd = app.add_subcommand("org", "Manage organizations");
  org_cmd->require_subcommand(1);
  std::string org_name, member_org, member_account;
  bool org_admin = false;
  CLI::App* org_create = org_cmd->add_subcommand("create", "Create an organization; prints its id");
  org_create->add_option("--name", org_name, "Name")->required();
  org_create->add_flag("--admin", org_admin, "Members may act for every account");
  add_db(org_create);
  CLI::App* org_add = org_cmd->add_subcommand("add-member", "Add an account to an organization");
  org_add->add_option("org", member_org, "Organization id")->required();
  org_add->add_option("account", member_account, "Account id")->required();
  add_db(org_add);

  CLI::App* key_cmd = app.add_subcommand("key", "Manage API keys");
  key_cmd->require_subcommand(1);
  std::string key_account, key_id;
  std::optional<std::string> key_expires, list_account;
  CLI::App* key_create = key_cmd->add_subcommand("create", "Create a key; prints it once");
  key_create->add_option("--account", key_account, "Account the key acts as")->required();
  key_create->add_option("--expires-in", key_expires, "Lifetime such as 30d, 12h, 90m");
  add_db(key_create);
  CLI::App* key_revoke = key_cmd->add_subcommand("revoke", "Revoke a key by id");
  key_revoke->add_option("id", key_id, "Key id (key_...)")->required();
  add_db(key_revoke);
  CLI::App* key_list = key_cmd->add_subcommand("list", "List keys (never the keys themselves)");
  key_list->add_option("--account", list_account, "Only this account's keys");
  add_db(key_list);

  // The client of a running server: backbeat tasks list|create|update|delete|runs|...
  TasksCommand tasks(app);

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
  if (tasks.parsed()) return tasks.Run(std::cout, std::cerr);
  if (serve_cmd->parsed()) {
    serve.scheduler = !no_scheduler;
    serve.migrate = !no_migrate;
    if (const char* key = std::getenv("BACKBEAT_OPENAI_API_KEY")) serve.openai_api_key = key;
    if (const char* secret = std::getenv("BACKBEAT_WEBHOOK_SECRET")) serve.webhook_secret = secret;
    return RunServe(serve);
  }
  AdminContext admin{admin_db, admin_secret, std::cout, std::cerr};
  if (migrate_cmd->parsed()) return Migrate(admin);
  if (account_create->parsed()) return CreateAccount(admin, account_email, account_name);
  if (org_create->parsed()) return CreateOrganization(admin, org_name, org_admin);
  if (org_add->parsed()) return AddMember(admin, member_org, member_account);
  if (key_create->parsed()) return CreateKey(admin, key_account, key_expires);
  if (key_revoke->parsed()) return RevokeKey(admin, key_id);
  if (key_list->parsed()) return ListKeys(admin, list_account);
  return 2;
}

}  // namespace backbeat::app
