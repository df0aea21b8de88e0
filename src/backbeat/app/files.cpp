#include "backbeat/app/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace backbeat::app {
namespace {

core::Status Errno(const std::string& what, const std::string& path) {
  return core::Unavailable(what + " " + path + ": " + std::strerror(errno));
}

core::Status WriteAll(int fd, const std::string& content, const std::string& path) {
  size_t off = 0;
  while (off < content.size()) {
    ssize_t n = ::write(fd, content.data() + off, content.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Errno("cannot write", path);
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) return Errno("cannot sync", path);
  return core::Status::Ok();
}

std::string TrimTrailing(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

core::Status EnsureDirectory(const std::string& path) {
  if (path.empty()) return core::Status::Ok();
  std::error_code ec;
  const bool created = std::filesystem::create_directories(path, ec);
  if (ec) return core::Unavailable("cannot create directory " + path + ": " + ec.message());
  // A state directory this process made holds the database and the secrets: owner only.
  if (created) {
    std::filesystem::permissions(path, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace, ec);
  }
  return core::Status::Ok();
}

core::Status WriteSecretFile(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp";
  ::unlink(tmp.c_str());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Errno("cannot create", tmp);
  core::Status s = WriteAll(fd, content, tmp);
  ::close(fd);
  if (!s.ok()) return s;
  if (::rename(tmp.c_str(), path.c_str()) != 0) return Errno("cannot rename to", path);
  return core::Status::Ok();
}

core::Result<std::string> ReadOrCreateSecretFile(const std::string& path,
                                                 const std::string& content_if_new, bool* created) {
  if (created) *created = false;
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    core::Status s = WriteAll(fd, content_if_new, path);
    ::close(fd);
    if (!s.ok()) return s;
    if (created) *created = true;
    // The same value a later read of the file returns: the secret must not depend on whether
    // this process created the file (it keys every API key hash).
    return TrimTrailing(content_if_new);
  }
  if (errno != EEXIST) return Errno("cannot create", path);
  fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open", path);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return Errno("cannot stat", path);
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%03o", static_cast<unsigned>(st.st_mode & 0777));
    return core::FailedPrecondition(path + " is readable by others (mode " + mode +
                                    "); run chmod 600 on it");
  }
  std::string content;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) content.append(buf, static_cast<size_t>(n));
  ::close(fd);
  if (n < 0) return Errno("cannot read", path);
  return TrimTrailing(std::move(content));
}

}  // namespace backbeat::app
