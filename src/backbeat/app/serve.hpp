#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace backbeat::app {

// Everything `backbeat serve` can be told; each field has a flag and an environment variable
// (see cli.cpp).
struct ServeConfig {
  std::string listen = "127.0.0.1:8080";
  std::string db = "sqlite:./var/backbeat.db";
  std::string secret_file;     // default: <db directory>/backbeat.secret
  std::string admin_key_file;  // default: <db directory>/admin.key

  // PostgreSQL only (SQLite always migrates at open and has no pool or statement timeout).
  bool migrate = true;  // false: refuse a database whose schema is older than this binary
  size_t db_pool_size = 8;
  double db_statement_timeout_seconds = 5;  // 0: no timeout

  size_t io_threads = 1;
  size_t workers = 4;
  size_t max_body_bytes = 1024 * 1024;
  size_t max_connections = 10000;
  double rate_limit = 100;  // requests per second per API key; 0 disables
  double rate_burst = 200;
  double header_timeout_seconds = 10;
  double idle_timeout_seconds = 60;
  double shutdown_timeout_seconds = 10;
  bool allow_seconds = false;
  std::string log_level = "info";

  // The scheduler and executor pool of this node.
  bool scheduler = true;  // false: serve the API only (runs are made and run elsewhere)
  std::string node_id;    // lease owner name; default: host name, pid and a random suffix
  size_t executor_workers = 16;
  size_t claim_batch = 64;
  int per_account_limit = 8;  // EXECUTING runs per account across nodes; 0: no limit
  double lease_seconds = 30;
  double run_ttl_seconds = 3600;  // a run not started by then is canceled (expired); 0: never
  double retention_days = 30;     // finished runs and skip records older than this are pruned

  // The executor (docs/operations.md, "Executors").
  std::string executor = "dry-run";  // dry-run | openai | webhook | command
  std::string default_model;
  std::string openai_base_url;
  std::string openai_api_key;  // from the environment; never a flag value in `ps`
  double openai_input_cents_per_million = 0;
  double openai_output_cents_per_million = 0;
  std::string webhook_url;
  std::string webhook_secret;        // from the environment
  std::vector<std::string> command;  // argv: absolute program path, then arguments
};

// Runs the service until SIGTERM or SIGINT; returns the process exit status.
int RunServe(const ServeConfig& config);

}  // namespace backbeat::app
