#include "backbeat/storage/sqlite/read_pool.hpp"

#include <utility>

namespace backbeat::storage::sqlite {

namespace {

// The Read in progress on this thread: its pool and connection (one at a time per thread; a
// Read of another pool inside it starts its own and restores this one after).
thread_local const ReadPool* current_pool = nullptr;
thread_local Connection* current_connection = nullptr;

}  // namespace

Connection* ReadPool::Joined() const { return current_pool == this ? current_connection : nullptr; }

ReadPool::Joining::Joining(const ReadPool& pool, Connection& connection)
    : previous_pool_(current_pool), previous_connection_(current_connection) {
  current_pool = &pool;
  current_connection = &connection;
}

ReadPool::Joining::~Joining() {
  current_pool = previous_pool_;
  current_connection = previous_connection_;
}

ReadPool::ReadPool(std::vector<std::unique_ptr<Connection>> connections)
    : idle_(std::move(connections)) {}

ReadPool::Lease::~Lease() {
  if (connection_) pool_->Release(std::move(connection_));
}

ReadPool::Lease ReadPool::Acquire() {
  std::unique_lock lock(mu_);
  available_.wait(lock, [this] { return !idle_.empty(); });
  std::unique_ptr<Connection> connection = std::move(idle_.back());
  idle_.pop_back();
  return {*this, std::move(connection)};
}

void ReadPool::Release(std::unique_ptr<Connection> connection) {
  std::lock_guard lock(mu_);
  idle_.push_back(std::move(connection));
  // Under the lock, so the pool may be destroyed as soon as the last lease is back.
  available_.notify_one();
}

}  // namespace backbeat::storage::sqlite
