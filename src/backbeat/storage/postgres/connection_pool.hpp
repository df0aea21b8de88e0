#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "backbeat/core/status.hpp"
#include "backbeat/storage/postgres/connection.hpp"

namespace backbeat::storage::postgres {

struct PoolOptions {
  std::string conninfo;
  size_t size = 8;  // most open connections
  std::chrono::milliseconds statement_timeout{5000};
  // How long a caller waits for a free connection before Unavailable.
  std::chrono::milliseconds acquire_timeout{5000};
  // Runs of a transaction that keeps hitting serialization failures or deadlocks.
  int max_transaction_attempts = 5;
};

// The status inside a Status or a Result<T>, so that helpers serve both.
inline const core::Status& StatusOf(const core::Status& s) { return s; }
template <typename T>
core::Status StatusOf(const core::Result<T>& r) {
  return r.status();
}

// A bounded pool of connections to one database, opened lazily up to `size`.
//
// A caller borrows a connection for one call (Run) or one transaction (InTransaction). A
// connection is checked before it is lent (a session the server ended while it sat idle is
// replaced) and dropped when it is returned broken or inside a transaction, so the call that
// met a lost connection answers Unavailable and the next one gets a fresh session.
//
// Thread-safety: every method may be called from any thread; connections are lent to one
// caller at a time. The pool must outlive its leases.
class ConnectionPool {
 public:
  // Opens the first connection at once, so that a wrong address fails at start-up.
  static core::Result<std::unique_ptr<ConnectionPool>> Open(PoolOptions options);
  ~ConnectionPool();
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // A borrowed connection, returned to the pool on destruction.
  class Lease {
   public:
    Lease(ConnectionPool* pool, std::unique_ptr<Connection> connection)
        : pool_(pool), connection_(std::move(connection)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() {
      if (connection_) pool_->Release(std::move(connection_));
    }
    Connection& operator*() { return *connection_; }
    Connection* operator->() { return connection_.get(); }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<Connection> connection_;
  };

  // Waits up to acquire_timeout for a connection. Unavailable when none frees up in time or a
  // new one cannot be opened.
  core::Result<Lease> Acquire();

  // Runs `fn(Connection&)` on one connection in autocommit mode (each statement is its own
  // transaction). `fn` returns a Status or a Result<T>; Run answers what it answers, except
  // Aborted (a statement chosen as a deadlock victim, rolled back whole), after which `fn` runs
  // again like an aborted transaction: it must be one statement, or otherwise safe to repeat.
  template <typename Fn>
  std::invoke_result_t<Fn&, Connection&> Run(Fn&& fn) {
    using R = std::invoke_result_t<Fn&, Connection&>;
    for (int attempt = 1;; ++attempt) {
      {
        core::Result<Lease> lease = Acquire();
        if (!lease.ok()) return lease.status();
        R result = fn(**lease);
        if (StatusOf(result).code() != core::ErrorCode::kAborted || attempt >= max_attempts_) {
          return result;
        }
      }
      BackOff(attempt);
    }
  }

  // Runs `fn(Connection&)` inside BEGIN ... COMMIT (READ COMMITTED). An error from `fn` rolls
  // back and is answered as is, except Aborted (a serialization failure or deadlock, possibly
  // at COMMIT), after which the whole transaction runs again, up to max_transaction_attempts
  // times: `fn` must be safe to run more than once (no side effects outside the database).
  template <typename Fn>
  std::invoke_result_t<Fn&, Connection&> InTransaction(Fn&& fn) {
    using R = std::invoke_result_t<Fn&, Connection&>;
    for (int attempt = 1;; ++attempt) {
      core::Status failed;
      {
        core::Result<Lease> lease = Acquire();
        if (!lease.ok()) return lease.status();
        Connection& c = **lease;
        failed = c.ExecScript("BEGIN");
        if (failed.ok()) {
          R result = fn(c);
          failed = StatusOf(result);
          if (failed.ok()) {
            failed = c.ExecScript("COMMIT");
            if (failed.ok()) return result;
          } else if (!c.Broken()) {
            (void)c.ExecScript("ROLLBACK");
          }
        }
      }
      if (failed.code() != core::ErrorCode::kAborted || attempt >= max_attempts_) return failed;
      BackOff(attempt);
    }
  }

  size_t size() const { return size_; }

 private:
  explicit ConnectionPool(PoolOptions options);
  void Release(std::unique_ptr<Connection> connection);
  // A short, growing, jittered pause before running an aborted transaction again, so that the
  // transactions that collided do not collide again in lockstep.
  static void BackOff(int attempt);

  const std::string conninfo_;
  const size_t size_;
  const std::chrono::milliseconds statement_timeout_;
  const std::chrono::milliseconds acquire_timeout_;
  const int max_attempts_;

  std::mutex mu_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mu_
  size_t open_ = 0;  // guarded by mu_: idle plus lent, plus those being opened
};

}  // namespace backbeat::storage::postgres
