#include "backbeat/storage/sqlite/checkpointer.hpp"

namespace backbeat::storage::sqlite {

Checkpointer::Checkpointer(std::unique_ptr<Connection> connection, std::chrono::milliseconds period,
                           int restart_frames)
    : connection_(std::move(connection)),
      period_(period),
      restart_frames_(restart_frames),
      thread_([this] { Loop(); }) {}

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
  int64_t wal_frames = 0;
  {
    core::Result<Statement> s = connection_->Prepare("PRAGMA wal_checkpoint(PASSIVE)");
    if (!s.ok()) return;
    // One row: busy, frames in the WAL, frames checkpointed.
    core::Result<bool> row = s->Step();
    if (!row.ok() || !*row) return;
    wal_frames = s->Int(1);
  }
  const bool quiet = wal_frames == last_frames_;
  last_frames_ = wal_frames;
  if (!quiet) quiet_rounds_ = 0;
  const char* mode = nullptr;
  if (quiet) {
    // Nothing written since the last round: give the WAL's disk space back now, while nobody
    // waits for the writer. Retried only every few rounds: with readers that never pause, an
    // attempt may hold up the next write for kRestartWait.
    if (wal_frames > 0 && quiet_rounds_++ % kTruncateEvery == 0) {
      mode = "PRAGMA wal_checkpoint(TRUNCATE)";
    }
  } else if (wal_frames > restart_frames_) {
    // Readers that never pause keep the WAL from ever starting over after passive checkpoints.
    // RESTART: the next write starts the file from its beginning, overwriting it in place.
    // TRUNCATE here would free and reallocate the file's blocks every time: under a steady
    // write load that was a 35-80 ms ftruncate, holding up the writer, every 0.6 s.
    mode = "PRAGMA wal_checkpoint(RESTART)";
  }
  if (mode == nullptr) return;
  // Wait a little for readers (the writer waits too, meanwhile); a busy answer only means a
  // later round tries again.
  int64_t usual_wait_ms = 0;
  if (core::Result<Statement> s = connection_->Prepare("PRAGMA busy_timeout"); s.ok()) {
    if (core::Result<bool> row = s->Step(); row.ok() && *row) usual_wait_ms = s->Int(0);
  }
  (void)connection_->Exec("PRAGMA busy_timeout = " + std::to_string(kRestartWait.count()));
  if (core::Result<Statement> s = connection_->Prepare(mode); s.ok()) {
    (void)s->Step();
  }
  (void)connection_->Exec("PRAGMA busy_timeout = " + std::to_string(usual_wait_ms));
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
