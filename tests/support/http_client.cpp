#include "tests/support/http_client.hpp"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace backbeat::testing {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxHeadBytes = 1024 * 1024;

std::string Lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

int MillisecondsUntil(Clock::time_point deadline) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::max<int64_t>(0, left.count()));
}

core::Status Errno(std::string_view what) {
  return core::Unavailable(std::string(what) + ": " + std::strerror(errno));
}

// Parses "HTTP/1.1 200 OK" and the header lines of a response head (without the final CRLF).
core::Result<HttpResponse> ParseHead(std::string_view head) {
  HttpResponse response;
  const size_t line_end = head.find("\r\n");
  std::string_view status_line = head.substr(0, line_end);
  if (status_line.size() < 12 || status_line.substr(0, 7) != "HTTP/1." || status_line[8] != ' ') {
    return core::Unavailable("malformed status line: " + std::string(status_line));
  }
  response.version_minor = status_line[7] - '0';
  const std::string_view code = status_line.substr(9, 3);
  auto [end, ec] = std::from_chars(code.data(), code.data() + code.size(), response.status);
  if (ec != std::errc() || end != code.data() + code.size()) {
    return core::Unavailable("malformed status code: " + std::string(status_line));
  }
  response.reason = std::string(Trim(status_line.substr(std::min<size_t>(12, status_line.size()))));
  size_t pos = line_end == std::string_view::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    size_t next = head.find("\r\n", pos);
    if (next == std::string_view::npos) next = head.size();
    const std::string_view line = head.substr(pos, next - pos);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      return core::Unavailable("malformed header line: " + std::string(line));
    }
    response.headers.emplace_back(Lowercase(line.substr(0, colon)),
                                  std::string(Trim(line.substr(colon + 1))));
    pos = next + 2;
  }
  return response;
}

}  // namespace

const std::string* HttpResponse::Header(std::string_view lowercase_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lowercase_name) return &value;
  }
  return nullptr;
}

HttpClient::HttpClient(std::chrono::milliseconds timeout) : timeout_(timeout) {}

HttpClient::~HttpClient() { Close(); }

HttpClient::HttpClient(HttpClient&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      timeout_(other.timeout_),
      buffer_(std::move(other.buffer_)) {}

HttpClient& HttpClient::operator=(HttpClient&& other) noexcept {
  if (this != &other) {
    Close();
    fd_ = std::exchange(other.fd_, -1);
    timeout_ = other.timeout_;
    buffer_ = std::move(other.buffer_);
  }
  return *this;
}

core::Status HttpClient::Connect(std::string_view host, uint16_t port) {
  Close();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* addresses = nullptr;
  const std::string host_text(host);
  const std::string port_text = std::to_string(port);
  if (int rc = getaddrinfo(host_text.c_str(), port_text.c_str(), &hints, &addresses); rc != 0) {
    return core::Unavailable("resolve " + host_text + ": " + gai_strerror(rc));
  }
  core::Status status = core::Unavailable("no address for " + host_text);
  const Clock::time_point deadline = Clock::now() + timeout_;
  for (addrinfo* address = addresses; address != nullptr; address = address->ai_next) {
    const int fd =
        socket(address->ai_family, address->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      status = Errno("socket");
      continue;
    }
    if (connect(fd, address->ai_addr, address->ai_addrlen) != 0 && errno != EINPROGRESS) {
      status = Errno("connect");
      ::close(fd);
      continue;
    }
    pollfd waiting{fd, POLLOUT, 0};
    const int ready = poll(&waiting, 1, MillisecondsUntil(deadline));
    int error = 0;
    socklen_t length = sizeof(error);
    if (ready <= 0) {
      status = core::Unavailable("connect timed out");
    } else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0 || error != 0) {
      errno = error;
      status = Errno("connect");
    } else {
      const int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      fd_ = fd;
      status = core::Status::Ok();
      break;
    }
    ::close(fd);
  }
  freeaddrinfo(addresses);
  return status;
}

core::Status HttpClient::SendRaw(std::string_view bytes) {
  if (fd_ < 0) return core::Unavailable("not connected");
  const Clock::time_point deadline = Clock::now() + timeout_;
  while (!bytes.empty()) {
    const ssize_t sent = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent > 0) {
      bytes.remove_prefix(static_cast<size_t>(sent));
      continue;
    }
    if (sent < 0 && errno == EINTR) continue;
    if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd waiting{fd_, POLLOUT, 0};
      if (poll(&waiting, 1, MillisecondsUntil(deadline)) <= 0) {
        return core::Unavailable("send timed out");
      }
      continue;
    }
    return Errno("send");
  }
  return core::Status::Ok();
}

HttpClient::FillResult HttpClient::Fill(Clock::time_point deadline) {
  if (fd_ < 0) {
    last_error_ = "not connected";
    return FillResult::kError;
  }
  for (;;) {
    char chunk[16 * 1024];
    const ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
    if (n > 0) {
      buffer_.append(chunk, static_cast<size_t>(n));
      return FillResult::kData;
    }
    if (n == 0) return FillResult::kClosed;
    if (errno == EINTR) continue;
    if (errno == ECONNRESET) return FillResult::kClosed;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      last_error_ = std::string("recv: ") + std::strerror(errno);
      return FillResult::kError;
    }
    pollfd waiting{fd_, POLLIN, 0};
    const int ready = poll(&waiting, 1, MillisecondsUntil(deadline));
    if (ready == 0) return FillResult::kTimedOut;
    if (ready < 0 && errno != EINTR) {
      last_error_ = std::string("poll: ") + std::strerror(errno);
      return FillResult::kError;
    }
  }
}

core::Status HttpClient::FillError(FillResult result) const {
  switch (result) {
    case FillResult::kClosed:
      return core::Unavailable("connection closed by peer");
    case FillResult::kTimedOut:
      return core::Unavailable("timed out waiting for the response");
    case FillResult::kError:
      return core::Unavailable(last_error_);
    case FillResult::kData:
      break;
  }
  return core::Status::Ok();
}

core::Result<size_t> HttpClient::ReadUntil(std::string_view needle, size_t from,
                                           Clock::time_point deadline) {
  for (;;) {
    const size_t found = buffer_.find(needle, from);
    if (found != std::string::npos) return found;
    if (buffer_.size() > kMaxHeadBytes) return core::Unavailable("response head too large");
    if (FillResult result = Fill(deadline); result != FillResult::kData) {
      return FillError(result);
    }
  }
}

core::Status HttpClient::ReadAtLeast(size_t size, Clock::time_point deadline) {
  while (buffer_.size() < size) {
    if (FillResult result = Fill(deadline); result != FillResult::kData) {
      return FillError(result);
    }
  }
  return core::Status::Ok();
}

core::Result<HttpResponse> HttpClient::ReadResponse(bool head_request) {
  const Clock::time_point deadline = Clock::now() + timeout_;
  core::Result<size_t> head_end = ReadUntil("\r\n\r\n", 0, deadline);
  if (!head_end.ok()) return head_end.status();
  core::Result<HttpResponse> parsed = ParseHead(std::string_view(buffer_).substr(0, *head_end));
  if (!parsed.ok()) return parsed.status();
  HttpResponse response = std::move(parsed).value();
  buffer_.erase(0, *head_end + 4);

  if (head_request || response.status < 200 || response.status == 204 || response.status == 304) {
    return response;
  }
  const std::string* transfer_encoding = response.Header("transfer-encoding");
  if (transfer_encoding != nullptr &&
      Lowercase(*transfer_encoding).find("chunked") != std::string::npos) {
    for (;;) {
      core::Result<size_t> line_end = ReadUntil("\r\n", 0, deadline);
      if (!line_end.ok()) return line_end.status();
      size_t chunk_size = 0;
      const char* first = buffer_.data();
      auto [end, ec] = std::from_chars(first, first + *line_end, chunk_size, 16);
      if (ec != std::errc() || end == first) return core::Unavailable("malformed chunk size");
      buffer_.erase(0, *line_end + 2);
      if (chunk_size == 0) {
        // Trailer fields, then the empty line that ends the message.
        for (;;) {
          core::Result<size_t> trailer_end = ReadUntil("\r\n", 0, deadline);
          if (!trailer_end.ok()) return trailer_end.status();
          buffer_.erase(0, *trailer_end + 2);
          if (*trailer_end == 0) return response;
        }
      }
      if (core::Status read = ReadAtLeast(chunk_size + 2, deadline); !read.ok()) return read;
      response.body.append(buffer_, 0, chunk_size);
      buffer_.erase(0, chunk_size + 2);
    }
  }
  if (const std::string* length_text = response.Header("content-length")) {
    size_t length = 0;
    auto [end, ec] =
        std::from_chars(length_text->data(), length_text->data() + length_text->size(), length);
    if (ec != std::errc() || end != length_text->data() + length_text->size()) {
      return core::Unavailable("malformed Content-Length: " + *length_text);
    }
    if (core::Status read = ReadAtLeast(length, deadline); !read.ok()) return read;
    response.body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    return response;
  }
  // No framing: the body runs to the end of the connection.
  for (;;) {
    const FillResult result = Fill(deadline);
    if (result == FillResult::kClosed) break;
    if (result != FillResult::kData) return FillError(result);
  }
  response.body = std::move(buffer_);
  buffer_.clear();
  return response;
}

core::Result<HttpResponse> HttpClient::RoundTrip(std::string_view method, std::string_view target,
                                                 std::string_view body, const HeaderList& headers) {
  if (core::Status sent = SendRaw(BuildRequest(method, target, body, headers)); !sent.ok()) {
    return sent;
  }
  return ReadResponse(method == "HEAD");
}

bool HttpClient::WaitForClose(std::chrono::milliseconds within) {
  const Clock::time_point deadline = Clock::now() + within;
  for (;;) {
    switch (Fill(deadline)) {
      case FillResult::kClosed:
      case FillResult::kError:
        return true;
      case FillResult::kTimedOut:
        return false;
      case FillResult::kData:
        break;  // keep the bytes and keep waiting
    }
  }
}

void HttpClient::ShutdownWrite() {
  if (fd_ >= 0) shutdown(fd_, SHUT_WR);
}

void HttpClient::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  buffer_.clear();
}

std::string HttpClient::BuildRequest(std::string_view method, std::string_view target,
                                     std::string_view body, const HeaderList& headers) {
  std::string request;
  request.reserve(128 + body.size());
  request.append(method).append(" ").append(target).append(" HTTP/1.1\r\n");
  request.append("Host: localhost\r\n");
  for (const auto& [name, value] : headers)
    request.append(name).append(": ").append(value) += "\r\n";
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    request.append("Content-Length: ").append(std::to_string(body.size())) += "\r\n";
  }
  request.append("\r\n").append(body);
  return request;
}

}  // namespace backbeat::testing
