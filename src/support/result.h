// Result<T>: a value or an Error, returned by every fallible call on input data.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace exray {

/// A failure to read or decode input. Messages are lowercase, without a final
/// period, and say what and where: "section 3: sh_offset 0x1a1 > file size".
struct Error {
  std::string message;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}          // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}      // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { return std::get<1>(v_); }
  T value_or(T fallback) const { return ok() ? value() : fallback; }

 private:
  std::variant<T, Error> v_;
};

/// Builds an Error; callers format the message with fmt.
inline Error MakeError(std::string message) { return Error{std::move(message)}; }

}  // namespace exray
