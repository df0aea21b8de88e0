#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace backbeat::core {

// What a failure means for the caller, in the shape of abseil's canonical codes: the code says
// whether and how to retry, the message says what went wrong for a human.
enum class ErrorCode {
  kOk,
  kInvalidArgument,     // Bad input. Do not retry.
  kNotFound,            // The thing is not there (or the caller may not see it).
  kAlreadyExists,       // A unique key is taken.
  kPermissionDenied,    // Authenticated, but outside the caller's scope.
  kUnauthenticated,     // No or bad credentials.
  kFailedPrecondition,  // The system is not in a state that allows this. Do not retry as is.
  kResourceExhausted,   // Rate or size limit. Retry later.
  kAborted,             // Concurrency conflict. Retry the whole transaction.
  kUnavailable,         // Transient. Retry the call.
  kInternal,            // A broken invariant.
};

std::string_view ErrorCodeName(ErrorCode code);

// A success or an error code with its message. Cheap to copy on success.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}
  // An invalid-argument error about one field of a request (API.md's `missing_fields`).
  Status(ErrorCode code, std::string message, std::string field)
      : code_(code), message_(std::move(message)), field_(std::move(field)) {}

  static Status Ok() { return {}; }

  bool ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // The request field the error is about; empty when it is about the whole request.
  const std::string& field() const { return field_; }
  std::string ToString() const;

  friend bool operator==(const Status&, const Status&) = default;

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
  std::string field_;
};

inline Status InvalidArgument(std::string message) {
  return {ErrorCode::kInvalidArgument, std::move(message)};
}
inline Status InvalidField(std::string field, std::string message) {
  return {ErrorCode::kInvalidArgument, std::move(message), std::move(field)};
}
inline Status NotFound(std::string message) { return {ErrorCode::kNotFound, std::move(message)}; }
inline Status Internal(std::string message) { return {ErrorCode::kInternal, std::move(message)}; }
inline Status Unavailable(std::string message) {
  return {ErrorCode::kUnavailable, std::move(message)};
}
inline Status PermissionDenied(std::string message) {
  return {ErrorCode::kPermissionDenied, std::move(message)};
}
inline Status Unauthenticated(std::string message) {
  return {ErrorCode::kUnauthenticated, std::move(message)};
}
inline Status AlreadyExists(std::string message) {
  return {ErrorCode::kAlreadyExists, std::move(message)};
}
inline Status FailedPrecondition(std::string message) {
  return {ErrorCode::kFailedPrecondition, std::move(message)};
}
inline Status Aborted(std::string message) { return {ErrorCode::kAborted, std::move(message)}; }

// A value or the Status that explains its absence (abseil's StatusOr). Accessing the value of
// an error is a programming error and asserts.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : state_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(state_).ok());
  }

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }

  Status status() const { return ok() ? Status::Ok() : std::get<Status>(state_); }

  const T& value() const& {
    assert(ok());
    return std::get<T>(state_);
  }
  T& value() & {
    assert(ok());
    return std::get<T>(state_);
  }
  T&& value() && {
    assert(ok());
    return std::get<T>(std::move(state_));
  }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace backbeat::core
