#include "backbeat/storage/sqlite/read_pool.hpp"

#include <utility>

namespace backbeat::storage::sqlite {

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
