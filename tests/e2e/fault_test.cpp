// Storage faults through the real binary: the SQLite database on a small tmpfs that fills up, and
// the same file system remounted read-only. Writes must answer 503 with Retry-After (never 500,
// never a crash), reads must keep working, nothing acknowledged may be lost, and the server must
// recover by itself once space or write access returns. Mounting needs root (the test script
// runs as root); elsewhere the test is skipped with the reason.

#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/e2e_test.hpp"

namespace backbeat::testing {
namespace {

namespace json = boost::json;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

class FaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/backbeat-fault-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    mount_point_ = pattern;
    if (::mount("tmpfs", mount_point_.c_str(), "tmpfs", 0, "size=24m,mode=0700") != 0) {
      const int error = errno;
      ::rmdir(mount_point_.c_str());
      mount_point_.clear();
      GTEST_SKIP() << "cannot mount a tmpfs here (" << std::strerror(error)
                   << "): run the suite as root to test a full and a read-only disk";
    }
    server_ = std::make_unique<ServerFixture>(std::vector<std::string>{"--no-scheduler"},
                                              "sqlite:" + mount_point_ + "/backbeat.db", "");
    core::Status s = server_->Start();
    ASSERT_TRUE(s.ok()) << s.message();
    key_ = server_->admin_key();
  }

  void TearDown() override {
    if (server_) server_->Kill();
    server_.reset();
    if (!mount_point_.empty()) {
      ::umount2(mount_point_.c_str(), MNT_DETACH);
      ::rmdir(mount_point_.c_str());
    }
  }

  // Remounts the tmpfs with new options ("ro", "rw").
  void Remount(const char* options) {
    const unsigned long flags = MS_REMOUNT | (std::string_view(options) == "ro" ? MS_RDONLY : 0);
    ASSERT_EQ(::mount("tmpfs", mount_point_.c_str(), "tmpfs", flags, "size=24m,mode=0700"), 0)
        << options << ": " << std::strerror(errno);
  }

  // Fills the file system with one file until it is full; returns its path.
  std::string FillDisk() {
    const std::string path = mount_point_ + "/filler";
    std::ofstream out(path, std::ios::binary);
    const std::string chunk(64 * 1024, 'x');
    while (out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()))) {
      out.flush();
      if (!out) break;
    }
    // The last partial chunk: byte by byte until nothing more fits.
    out.clear();
    for (int i = 0; i < 64 * 1024 && out.put('x').flush(); ++i) {
    }
    return path;
  }

  ApiResponse Post(std::string_view title) {
    return CallApi(*server_, "POST", "/api/tasks", key_, CreateBody({}, title));
  }

  std::set<std::string> ListedTitles(int* status) {
    std::set<std::string> titles;
    std::string target = "/api/tasks?limit=100";
    for (;;) {
      ApiResponse r = CallApi(*server_, "GET", target, key_);
      *status = r.status;
      if (r.status != 200) return titles;
      for (const json::value& t : r.json.at("tasks").as_array()) {
        titles.emplace(t.at("title").as_string());
      }
      if (!r.json.at("next_cursor").is_string()) return titles;
      target = "/api/tasks?limit=100&cursor=" +
               UrlEncode(std::string(r.json.at("next_cursor").as_string()));
    }
  }

  // POSTs until one is refused; checks that refusals are 503 + Retry-After with the documented
  // body. Titles acknowledged on the way go into `acknowledged`. Returns the refusals seen.
  int WriteUntilRefused(const std::string& prefix, std::set<std::string>& acknowledged,
                        int refusals_wanted) {
    int refusals = 0;
    for (int i = 0; i < 5000 && refusals < refusals_wanted; ++i) {
      const std::string title = prefix + std::to_string(i);
      ApiResponse r = Post(title);
      if (r.status == 200) {
        acknowledged.insert(title);
        continue;
      }
      ++refusals;
      EXPECT_EQ(r.status, 503) << r.http.body;
      const std::string* retry = r.http.Header("retry-after");
      EXPECT_NE(retry, nullptr) << r.http.body;
      EXPECT_EQ(r.json.at("status"), "error") << r.http.body;
      EXPECT_EQ(r.json.at("error"), r.json.at("message")) << r.http.body;
    }
    return refusals;
  }

  // POSTs until one succeeds (the server recovered), within `within`.
  bool WriteSucceedsWithin(const std::string& title, std::set<std::string>& acknowledged,
                           milliseconds within) {
    const Clock::time_point until = Clock::now() + within;
    while (Clock::now() < until) {
      ApiResponse r = Post(title);
      if (r.status == 200) {
        acknowledged.insert(title);
        return true;
      }
      EXPECT_EQ(r.status, 503) << r.http.body;
      std::this_thread::sleep_for(milliseconds(100));
    }
    return false;
  }

  std::string mount_point_;
  std::unique_ptr<ServerFixture> server_;
  std::string key_;
};

TEST_F(FaultTest, AFullDiskRefusesWritesKeepsReadsAndRecoversWhenSpaceReturns) {
  std::set<std::string> acknowledged;
  for (int i = 0; i < 20; ++i) {
    ApiResponse r = Post("before-" + std::to_string(i));
    ASSERT_EQ(r.status, 200) << r.http.body;
    acknowledged.insert("before-" + std::to_string(i));
  }
  const std::string filler = FillDisk();
  // Pages already allocated to the database and its WAL still take a few writes; then it is full.
  EXPECT_GE(WriteUntilRefused("full-", acknowledged, 20), 20) << "the disk never filled";
  int status = 0;
  std::set<std::string> listed = ListedTitles(&status);
  EXPECT_EQ(status, 200) << "reads stopped on a full disk";
  EXPECT_EQ(listed, acknowledged);
  EXPECT_EQ(CallApi(*server_, "GET", "/healthz", "").status, 200);

  ASSERT_EQ(::unlink(filler.c_str()), 0);
  EXPECT_TRUE(WriteSucceedsWithin("after-space", acknowledged, milliseconds(10000)))
      << server_->ReadLog();
  for (int i = 0; i < 20; ++i) {
    ApiResponse r = Post("after-" + std::to_string(i));
    EXPECT_EQ(r.status, 200) << r.http.body;
    if (r.status == 200) acknowledged.insert("after-" + std::to_string(i));
  }
  // Everything acknowledged survives a crash.
  ASSERT_TRUE(server_->Restart().ok()) << server_->ReadLog();
  listed = ListedTitles(&status);
  EXPECT_EQ(status, 200);
  EXPECT_EQ(listed, acknowledged);
}

// A file system goes read-only under a crashed server (an operator's remount, or the kernel's
// after disk errors); the server restarted on it serves reads and refuses writes with 503,
// saying why in its log. Writes resume after a restart on the writable file system: SQLite shares
// one WAL index per file among a process's connections, and it was opened read-only.
TEST_F(FaultTest, AReadOnlyDatabaseServesReadsAndRefusesWrites) {
  std::set<std::string> acknowledged;
  for (int i = 0; i < 10; ++i) {
    ApiResponse r = Post("before-" + std::to_string(i));
    ASSERT_EQ(r.status, 200) << r.http.body;
    acknowledged.insert("before-" + std::to_string(i));
  }
  server_->Kill();  // the WAL and its index stay behind, as after a crash
  Remount("ro");
  ASSERT_TRUE(server_->Start().ok()) << server_->ReadLog();
  int status = 0;
  EXPECT_EQ(ListedTitles(&status), acknowledged);
  EXPECT_EQ(status, 200) << "reads stopped on a read-only disk";
  EXPECT_EQ(WriteUntilRefused("ro-", acknowledged, 5), 5);
  EXPECT_EQ(acknowledged.size(), 10u) << "a write was acknowledged on a read-only disk";
  ApiResponse refused = Post("refused");
  EXPECT_EQ(refused.json, ErrorJson("Storage unavailable")) << refused.http.body;
  EXPECT_NE(server_->ReadLog().find("readonly"), std::string::npos)
      << "the log does not say why writes fail";

  Remount("rw");
  ASSERT_TRUE(server_->Restart().ok()) << server_->ReadLog();
  EXPECT_TRUE(WriteSucceedsWithin("after-rw", acknowledged, milliseconds(5000)))
      << server_->ReadLog();
  ASSERT_TRUE(server_->Restart().ok()) << server_->ReadLog();
  EXPECT_EQ(ListedTitles(&status), acknowledged);
  EXPECT_EQ(status, 200);
}

}  // namespace
}  // namespace backbeat::testing
