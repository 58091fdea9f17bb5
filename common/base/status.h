// Status and Result<T>: how expected failures travel in claude-trace.
// A Status is ok or carries one human-readable line ("open db 'x': No space
// left on device"). Libraries never throw across their API; each external
// library's adapter turns its errors into a Status at the boundary.
#pragma once

#include <cerrno>
#include <cstring>
#include <exception>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace trace {

class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status Error(std::string message) { return Status(std::move(message)); }
  // "<what>: <strerror(err)>", for failed system calls.
  static Status Errno(const std::string& what, int err = errno) {
    return Status(what + ": " + std::strerror(err));
  }

  bool ok() const { return !message_.has_value(); }
  explicit operator bool() const { return ok(); }
  const std::string& message() const {
    static const std::string kOk = "ok";
    return message_ ? *message_ : kOk;
  }
  // Prefixes context: Status::Error("x").Wrap("open db") -> "open db: x".
  Status Wrap(const std::string& context) const {
    return ok() ? *this : Status(context + ": " + *message_);
  }

 private:
  explicit Status(std::string message) : message_(std::move(message)) {}
  std::optional<std::string> message_;
};

// A value or the Status explaining why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT: must not be ok

  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

// Runs fn, turning an exception that escapes it into an error Status: for a
// thread's entry point, from which nothing may escape (std::terminate).
template <typename Fn>
Status StatusOfCall(Fn&& fn) {
  try {
    return fn();
  } catch (const std::exception& e) {
    return Status::Error(std::string("exception: ") + e.what());
  } catch (...) {
    return Status::Error("unknown exception");
  }
}

}  // namespace trace
