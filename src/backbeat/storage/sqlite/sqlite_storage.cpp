#include "backbeat/storage/sqlite/sqlite_storage.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <utility>
#include <vector>

#include "backbeat/storage/sqlite/account_store.hpp"
#include "backbeat/storage/sqlite/checkpointer.hpp"
#include "backbeat/storage/sqlite/connection.hpp"
#include "backbeat/storage/sqlite/group_committer.hpp"
#include "backbeat/storage/sqlite/read_pool.hpp"
#include "backbeat/storage/sqlite/run_store.hpp"
#include "backbeat/storage/sqlite/schedule_store.hpp"
#include "backbeat/storage/sqlite/schema.hpp"
#include "backbeat/storage/sqlite/task_store.hpp"

namespace backbeat::storage::sqlite {
namespace {

// The group committer's sync: fdatasync of the WAL file, the one file a commit writes in WAL
// mode (the same fsync synchronous=FULL makes inside every COMMIT, moved off the writer).
class WalSync {
 public:
  explicit WalSync(const std::string& db_path)
      : wal_path_(WalPath(db_path)), dir_(DirectoryOf(db_path)) {}
  ~WalSync() {
    if (fd_ >= 0) ::close(fd_);
  }
  WalSync(const WalSync&) = delete;
  WalSync& operator=(const WalSync&) = delete;

  core::Status Sync() {
    if (fd_ < 0) {
      // The WAL exists once a transaction has committed; it may be new, so its directory entry
      // is made durable too, once.
      fd_ = ::open(wal_path_.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd_ < 0) return Error("opening", wal_path_);
      int dir = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (dir < 0) return Error("opening", dir_);
      const int rc = ::fsync(dir);
      ::close(dir);
      if (rc != 0) return Error("fsync of", dir_);
    }
    if (::fdatasync(fd_) != 0) return Error("fdatasync of", wal_path_);
    return core::Status::Ok();
  }

 private:
  // Appended piece by piece: GCC 12 warns wrongly (-Wrestrict) about "literal" + std::string.
  static core::Status Error(std::string_view what, const std::string& file) {
    const int error = errno;
    std::string message(what);
    message += ' ';
    message += file;
    message += ": ";
    message += std::strerror(error);
    return core::Unavailable(message);
  }

  static std::string WalPath(const std::string& db_path) {
    std::string path = db_path;
    path.append("-wal");
    return path;
  }
  static std::string DirectoryOf(const std::string& db_path) {
    std::string dir = std::filesystem::path(db_path).parent_path().string();
    return dir.empty() ? std::string(".") : dir;
  }

  const std::string wal_path_;
  const std::string dir_;
  int fd_ = -1;
};

// Reads one row of one text column (PRAGMA answers).
core::Result<std::string> QueryText(Connection& c, std::string_view sql) {
  core::Result<Statement> s = c.Prepare(sql);
  if (!s.ok()) return s.status();
  core::Result<bool> row = s->Step();
  if (!row.ok()) return row.status();
  if (!*row) return core::Internal(std::string(sql) + " returned no row");
  return s->Text(0);
}

core::Status ConfigureWriter(Connection& c, const std::string& path, int wal_restart_frames) {
  // WAL: readers never block the writer nor it them. The mode is persistent in the file, but
  // setting it is cheap and also tells us whether the file can have it (":memory:" cannot).
  core::Result<std::string> mode = QueryText(c, "PRAGMA journal_mode = WAL");
  if (!mode.ok()) return mode.status();
  if (*mode != "wal") {
    return core::FailedPrecondition("cannot use WAL journaling on " + path + " (got " + *mode +
                                    "); backbeat needs a database file on a local disk");
  }
  // NORMAL: COMMIT does not fsync; the group committer syncs the WAL (WalSync) before it
  // answers anyone, so an acknowledged write still survives power loss, and the writer starts
  // the next batch while the disk flushes the last one.
  if (core::Status s = c.Exec("PRAGMA synchronous = NORMAL"); !s.ok()) return s;
  // The writer touches every index of a table per write; 64 MiB of page cache keeps the hot
  // index pages of a large firing burst in memory instead of re-reading them from the OS.
  if (core::Status s = c.Exec("PRAGMA cache_size = -65536"); !s.ok()) return s;
  // Multi-row statements (a firing step's run inserts, next-slot updates) keep a statement
  // journal to undo themselves on error; on disk past 64 KiB, that was a temp file written
  // inside every such statement (the writer's pwrite time in a firing burst, profiled).
  if (core::Status s = c.Exec("PRAGMA temp_store = MEMORY"); !s.ok()) return s;
  // A WAL that grew far past the restart threshold (a reader held it up) is cut back to this
  // size when it starts over. Twice the threshold's size: SQLite truncates inside the writer's
  // commit (an ftruncate measured at 38 ms), which must not happen at every routine restart; the
  // checkpointer gives the space back once writes pause.
  const int64_t limit_bytes = 2 * int64_t{wal_restart_frames} * (4096 + 24);
  if (core::Result<std::string> s =
          QueryText(c, "PRAGMA journal_size_limit = " + std::to_string(limit_bytes));
      !s.ok()) {
    return s.status();
  }
  // Checkpoints run on their own thread (Checkpointer), not inside the writer's commits.
  if (core::Result<std::string> s = QueryText(c, "PRAGMA wal_autocheckpoint = 0"); !s.ok()) {
    return s.status();
  }
  return c.Exec("PRAGMA foreign_keys = ON");
}

}  // namespace

core::Result<std::unique_ptr<SqliteStorage>> SqliteStorage::Open(const std::string& path,
                                                                 const SqliteOptions& options) {
  core::Result<std::unique_ptr<Connection>> writer =
      Connection::Open(path, Connection::Mode::kReadWrite, options.busy_timeout_ms);
  if (!writer.ok()) return writer.status();
  if (core::Status s = ConfigureWriter(**writer, path, options.wal_restart_frames); !s.ok()) {
    return s;
  }
  if (core::Status s = Migrate(**writer); !s.ok()) return s;

  std::vector<std::unique_ptr<Connection>> readers;
  const size_t reader_count = options.read_connections == 0 ? 1 : options.read_connections;
  for (size_t i = 0; i < reader_count; ++i) {
    core::Result<std::unique_ptr<Connection>> reader =
        Connection::Open(path, Connection::Mode::kReadOnly, options.busy_timeout_ms);
    if (!reader.ok()) return reader.status();
    if (core::Status s = (*reader)->Exec("PRAGMA cache_size = -16384"); !s.ok()) return s;
    readers.push_back(std::move(reader).value());
  }
  core::Result<std::unique_ptr<Connection>> checkpoints =
      Connection::Open(path, Connection::Mode::kReadWrite, options.busy_timeout_ms);
  if (!checkpoints.ok()) return checkpoints.status();
  auto storage = std::unique_ptr<SqliteStorage>(
      new SqliteStorage(std::make_unique<GroupCommitter>(
                            std::move(writer).value(), options.max_batch,
                            [wal = std::make_shared<WalSync>(path)] { return wal->Sync(); }),
                        std::make_unique<ReadPool>(std::move(readers))));
  storage->checkpointer_ = std::make_unique<Checkpointer>(
      std::move(checkpoints).value(), std::chrono::milliseconds(200), options.wal_restart_frames);
  return storage;
}

SqliteStorage::SqliteStorage(std::unique_ptr<GroupCommitter> writer,
                             std::unique_ptr<ReadPool> readers)
    : readers_(std::move(readers)),
      writer_(std::move(writer)),
      tasks_(std::make_unique<SqliteTaskStore>(*writer_, *readers_)),
      runs_(std::make_unique<SqliteRunStore>(*writer_, *readers_)),
      accounts_(std::make_unique<SqliteAccountStore>(*writer_, *readers_)),
      schedule_(std::make_unique<SqliteScheduleStore>(*writer_, *readers_)) {}

SqliteStorage::~SqliteStorage() {
  // The stores and the writer finish first (their writes land in the WAL), then the last
  // checkpoint runs as the checkpointer stops.
  tasks_.reset();
  runs_.reset();
  accounts_.reset();
  schedule_.reset();
  // The read-only connections close first: SQLite checkpoints and deletes the WAL only when the
  // last connection to close can write (a clean stop used to leave the whole WAL behind, and the
  // next start paid for reading it).
  readers_.reset();
  writer_.reset();
  checkpointer_.reset();
}

TaskStore& SqliteStorage::tasks() { return *tasks_; }
RunStore& SqliteStorage::runs() { return *runs_; }
AccountStore& SqliteStorage::accounts() { return *accounts_; }
ScheduleStore& SqliteStorage::schedule() { return *schedule_; }

core::Status SqliteStorage::ReadTogether(const std::function<core::Status()>& reads) {
  // The stores' reads inside join this one (ReadPool::Read nests on a thread).
  return readers_->Read([&](Connection&) { return reads(); });
}

core::Status SqliteStorage::Ping() {
  return readers_->Read([](Connection& c) -> core::Status {
    core::Result<Statement> s = c.Prepare("SELECT 1");
    if (!s.ok()) return s.status();
    return s->Run();
  });
}

WriteStats SqliteStorage::write_stats() const { return writer_->stats(); }

}  // namespace backbeat::storage::sqlite
