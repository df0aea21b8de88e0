#include "backbeat/storage/sqlite/checkpointer.hpp"

namespace backbeat::storage::sqlite {

Checkpointer::Checkpointer(std::unique_ptr<Connection> connection, std::chrono::milliseconds period)
    : connection_(std::move(connection)), period_(period), thread_([this] { Loop(); }) {}

Checkpointer::~Checkpointer() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  thread_.join();
}

void Checkpointer::CheckpointOnce() {
  // A failed checkpoint (busy, I/O error) leaves the WAL as it is: nothing is lost, the next
  // round tries again, and SQLite itself checkpoints when the last connection closes.
  core::Result<Statement> s = connection_->Prepare("PRAGMA wal_checkpoint(PASSIVE)");
  if (!s.ok()) return;
  for (;;) {
    core::Result<bool> row = s->Step();
    if (!row.ok() || !*row) return;
  }
}

void Checkpointer::Loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    stop_cv_.wait_for(lock, period_, [&] { return stopping_; });
    lock.unlock();
    CheckpointOnce();
    lock.lock();
  }
}

}  // namespace backbeat::storage::sqlite
