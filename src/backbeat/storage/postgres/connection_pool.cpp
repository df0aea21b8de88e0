#include "backbeat/storage/postgres/connection_pool.hpp"

#include <algorithm>
#include <random>
#include <thread>

namespace backbeat::storage::postgres {

core::Result<std::unique_ptr<ConnectionPool>> ConnectionPool::Open(PoolOptions options) {
  if (options.size == 0) options.size = 1;
  if (options.max_transaction_attempts < 1) options.max_transaction_attempts = 1;
  auto pool = std::unique_ptr<ConnectionPool>(new ConnectionPool(options));
  core::Result<std::unique_ptr<Connection>> first =
      Connection::Open(pool->conninfo_, pool->statement_timeout_);
  if (!first.ok()) return first.status();
  pool->idle_.push_back(std::move(first).value());
  pool->open_ = 1;
  return pool;
}

ConnectionPool::ConnectionPool(PoolOptions options)
    : conninfo_(std::move(options.conninfo)),
      size_(options.size),
      statement_timeout_(options.statement_timeout),
      acquire_timeout_(options.acquire_timeout),
      max_attempts_(options.max_transaction_attempts) {}

ConnectionPool::~ConnectionPool() = default;

core::Result<ConnectionPool::Lease> ConnectionPool::Acquire() {
  const auto deadline = std::chrono::steady_clock::now() + acquire_timeout_;
  std::unique_lock lock(mu_);
  for (;;) {
    if (!idle_.empty()) {
      std::unique_ptr<Connection> c = std::move(idle_.back());
      idle_.pop_back();
      lock.unlock();
      // A session the server ended while idle (a restart, pg_terminate_backend) is replaced
      // here rather than failing the caller's first statement.
      if (c->CheckAlive()) return Lease(this, std::move(c));
      c.reset();
      lock.lock();
      --open_;
      continue;
    }
    if (open_ < size_) {
      ++open_;
      lock.unlock();
      core::Result<std::unique_ptr<Connection>> c = Connection::Open(conninfo_, statement_timeout_);
      if (!c.ok()) {
        lock.lock();
        --open_;
        freed_.notify_one();
        return c.status();
      }
      return Lease(this, std::move(c).value());
    }
    if (freed_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_ >= size_) {
      return core::Unavailable("no PostgreSQL connection free within " +
                               std::to_string(acquire_timeout_.count()) + " ms (pool of " +
                               std::to_string(size_) + ")");
    }
  }
}

void ConnectionPool::Release(std::unique_ptr<Connection> connection) {
  // A broken session, or one left inside a transaction, is not lent again.
  const bool reusable = !connection->Broken() && connection->Idle();
  if (!reusable) connection.reset();  // closed outside the lock
  std::lock_guard lock(mu_);
  if (reusable) {
    idle_.push_back(std::move(connection));
  } else {
    --open_;
  }
  freed_.notify_one();
}

void ConnectionPool::BackOff(int attempt) {
  thread_local std::minstd_rand random{std::random_device{}()};
  const int ceiling_ms = std::min(2 << attempt, 100);
  std::uniform_int_distribution<int> jitter(1, ceiling_ms);
  std::this_thread::sleep_for(std::chrono::milliseconds(jitter(random)));
}

}  // namespace backbeat::storage::postgres
