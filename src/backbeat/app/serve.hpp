#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace backbeat::app {

// Everything `backbeat serve` can be told; each field has a flag and an environment variable
// (see cli.cpp).
struct ServeConfig {
  std::string listen = "127.0.0.1:8080";
  std::string db = "sqlite:./var/backbeat.db";
  std::string secret_file;     // default: <db directory>/backbeat.secret
  std::string admin_key_file;  // default: <db directory>/admin.key
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
};

// Runs the service until SIGTERM or SIGINT; returns the process exit status.
int RunServe(const ServeConfig& config);

}  // namespace backbeat::app
