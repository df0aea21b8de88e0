#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "backbeat/core/status.hpp"
#include "backbeat/storage/storage.hpp"

namespace backbeat::storage::sqlite {

class Checkpointer;
class GroupCommitter;
class ReadPool;
class SqliteTaskStore;
class SqliteRunStore;
class SqliteAccountStore;
class SqliteScheduleStore;
struct WriteStats;

struct SqliteOptions {
  // How long a connection waits for a lock held by another process before giving up.
  int busy_timeout_ms = 5000;
  // Read-only connections in the pool: reads run concurrently up to this many.
  size_t read_connections = 4;
  // Most units of work per transaction. 1 turns group commit off (one transaction, and one
  // fsync, per write): the baseline the benchmark compares against.
  size_t max_batch = 1024;
  // Once the WAL holds more than this many frames (pages; 4 KiB each by default, so 256 MiB),
  // the checkpointer waits briefly for readers and writes it back whole, so the next write starts
  // the WAL from its beginning. Passive checkpoints alone never get there while reads never pause
  // (the soak test saw a 3.7 GiB WAL beside a 320 MiB database). Each such checkpoint holds the
  // writer up for an fsync of the database file: under a steady POST load, 16,384 frames meant
  // one every 0.6 s and a p99 of 70-90 ms; this many, about 50-60 ms and more throughput.
  int wal_restart_frames = 65536;
};

// The SQLite backend: every store over one database file.
//
// Durability: WAL journal; the group committer fsyncs the WAL before it answers (see
// GroupCommitter's `sync`), so a write that returned OK survives a crash or power loss. Writes go
// through one writer thread that commits every write pending at the time in one transaction (group
// commit: one fsync for many writes under load). Reads use a pool of read-only connections that run
// concurrently with the writer.
//
// Thread-safety: all methods of all stores may be called concurrently from any thread. They
// block; call them from a storage pool, never from an I/O thread. The destructor finishes the
// writes already submitted, then closes; no call may be in flight or start after it begins.
class SqliteStorage final : public Storage {
 public:
  // Opens or creates the database at `path` and migrates it to the current schema. A real file
  // is required (":memory:" cannot be shared between the writer and the readers).
  // FailedPrecondition if the file's schema is newer than this binary, or it is not a database;
  // Unavailable if it cannot be opened.
  static core::Result<std::unique_ptr<SqliteStorage>> Open(const std::string& path,
                                                           const SqliteOptions& options = {});
  ~SqliteStorage() override;
  SqliteStorage(const SqliteStorage&) = delete;
  SqliteStorage& operator=(const SqliteStorage&) = delete;

  TaskStore& tasks() override;
  RunStore& runs() override;
  AccountStore& accounts() override;
  ScheduleStore& schedule() override;
  core::Status Ping() override;
  core::Status ReadTogether(const std::function<core::Status()>& reads) override;

  // Writes and committed transactions so far: with group commit under concurrent load,
  // transactions grow much more slowly than units. For tests and metrics.
  WriteStats write_stats() const;

 private:
  SqliteStorage(std::unique_ptr<GroupCommitter> writer, std::unique_ptr<ReadPool> readers);

  // Declaration order is construction order; the stores borrow the writer and the readers and
  // are destroyed first, then the writer drains and joins.
  std::unique_ptr<ReadPool> readers_;
  std::unique_ptr<GroupCommitter> writer_;
  std::unique_ptr<SqliteTaskStore> tasks_;
  std::unique_ptr<SqliteRunStore> runs_;
  std::unique_ptr<SqliteAccountStore> accounts_;
  std::unique_ptr<SqliteScheduleStore> schedule_;
  std::unique_ptr<Checkpointer> checkpointer_;  // set by Open, after construction
};

}  // namespace backbeat::storage::sqlite
