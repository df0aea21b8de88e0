#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

#include "backbeat/storage/sqlite/connection.hpp"

namespace backbeat::storage::sqlite {

// Copies the WAL back into the database file on its own connection and thread.
//
// SQLite's automatic checkpoint runs inside the commit that crosses the threshold, on the
// committing connection: here that is the one writer thread, so every few megabytes of writes
// one group commit (and every caller waiting on it) also paid for copying pages and an fsync of
// the database file. With autocheckpoint off on the writer, this thread runs PASSIVE
// checkpoints (they never block the writer or readers) every `period`.
//
// Thread-safety: construct and destroy from one thread; the work happens on the owned thread.
class Checkpointer {
 public:
  // Once a passive checkpoint finds more than `restart_frames` frames in the WAL, a RESTART
  // checkpoint follows, waiting at most kRestartWait for readers: the WAL starts over from its
  // beginning. A WAL that stopped growing is truncated to nothing (TRUNCATE) the same way.
  Checkpointer(std::unique_ptr<Connection> connection, std::chrono::milliseconds period,
               int restart_frames);
  ~Checkpointer();  // one last checkpoint, then joins
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

 private:
  // How long a RESTART or TRUNCATE checkpoint waits for readers (and holds up the writer).
  static constexpr std::chrono::milliseconds kRestartWait{100};
  // A quiet WAL's TRUNCATE is tried in the first quiet round, then every this many rounds.
  static constexpr int64_t kTruncateEvery = 10;

  void Loop();
  void CheckpointOnce();

  std::unique_ptr<Connection> connection_;  // used only by the thread
  const std::chrono::milliseconds period_;
  const int restart_frames_;
  // Used only by the thread: WAL frames the last round saw, and rounds since they last changed.
  int64_t last_frames_ = 0;
  int64_t quiet_rounds_ = 0;
  std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;     // last: starts after everything above
};

}  // namespace backbeat::storage::sqlite
