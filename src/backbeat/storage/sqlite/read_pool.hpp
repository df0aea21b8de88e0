#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "backbeat/core/status.hpp"
#include "backbeat/storage/sqlite/connection.hpp"

namespace backbeat::storage::sqlite {

// A fixed set of read-only connections. Under WAL each reader sees the last committed state
// when its read begins and never blocks the writer nor is blocked by it, so reads scale with the
// pool size while writes go through the single writer.
//
// Thread-safety: all methods may be called from any thread. A connection is lent to one thread
// at a time; Acquire blocks while all are lent out.
class ReadPool {
 public:
  explicit ReadPool(std::vector<std::unique_ptr<Connection>> connections);

  // A connection on loan; returned to the pool when the lease is destroyed.
  class Lease {
   public:
    Lease(ReadPool& pool, std::unique_ptr<Connection> connection)
        : pool_(&pool), connection_(std::move(connection)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    Connection& operator*() { return *connection_; }
    Connection* operator->() { return connection_.get(); }

   private:
    ReadPool* pool_;
    std::unique_ptr<Connection> connection_;
  };

  Lease Acquire();

  // Runs `read` on a pooled connection inside one read transaction, so a read made of several
  // queries sees one consistent snapshot. `read` returns a Status or a Result. A Read made
  // inside another Read of this pool on the same thread joins it: same connection, same
  // transaction (one snapshot, one BEGIN/COMMIT, and never a second lease that could wait on a
  // pool lent out to readers waiting in turn).
  template <typename F>
  auto Read(F&& read) -> decltype(read(std::declval<Connection&>())) {
    if (Connection* joined = Joined()) return read(*joined);
    Lease lease = Acquire();
    if (core::Status s = lease->Exec("BEGIN"); !s.ok()) return s;
    Joining joining(*this, *lease);
    auto result = read(*lease);
    // A read-only transaction has nothing to lose: end it whatever happened.
    core::Status end;
    if (!lease->InAutocommit()) end = lease->Exec("COMMIT");
    if (result.ok() && !end.ok()) return end;
    return result;
  }

 private:
  // The connection of the Read this thread is inside, for this pool; null outside any.
  Connection* Joined() const;
  class Joining {
   public:
    Joining(const ReadPool& pool, Connection& connection);
    ~Joining();
    Joining(const Joining&) = delete;
    Joining& operator=(const Joining&) = delete;

   private:
    const ReadPool* previous_pool_;
    Connection* previous_connection_;
  };

  void Release(std::unique_ptr<Connection> connection);

  std::mutex mu_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<Connection>> idle_;  // Guarded by mu_.
};

}  // namespace backbeat::storage::sqlite
