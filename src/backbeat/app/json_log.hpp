#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace backbeat::app {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

// A field of a structured log line.
struct LogField {
  std::string_view key;
  std::variant<std::string_view, long long, double, bool> value;
  LogField(std::string_view k, std::string_view v) : key(k), value(v) {}
  LogField(std::string_view k, const std::string& v) : key(k), value(std::string_view(v)) {}
  LogField(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
  LogField(std::string_view k, long long v) : key(k), value(v) {}
  LogField(std::string_view k, int v) : key(k), value(static_cast<long long>(v)) {}
  LogField(std::string_view k, size_t v) : key(k), value(static_cast<long long>(v)) {}
  LogField(std::string_view k, double v) : key(k), value(v) {}
  LogField(std::string_view k, bool v) : key(k), value(v) {}
};

// Writes one JSON object per line to stderr: {"ts":...,"level":...,"msg":...,<fields>}.
// Thread-safe: each line is written whole. Callers never pass keys or prompt bodies at info
// level; this type cannot tell, so the rule is kept at the call sites.
class JsonLog {
 public:
  explicit JsonLog(LogLevel min_level = LogLevel::kInfo) : min_level_(min_level) {}
  void Write(LogLevel level, std::string_view msg, std::initializer_list<LogField> fields) const;
  void Info(std::string_view msg, std::initializer_list<LogField> fields = {}) const {
    Write(LogLevel::kInfo, msg, fields);
  }
  void Warn(std::string_view msg, std::initializer_list<LogField> fields = {}) const {
    Write(LogLevel::kWarn, msg, fields);
  }
  void Error(std::string_view msg, std::initializer_list<LogField> fields = {}) const {
    Write(LogLevel::kError, msg, fields);
  }

 private:
  LogLevel min_level_;
};

}  // namespace backbeat::app
