#include "backbeat/app/json_log.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "backbeat/core/time/instant.hpp"

namespace backbeat::app {

void AppendJsonString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (u < 0x20) {
          out += "\\u00";
          out += kHex[u >> 4];
          out += kHex[u & 15];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void JsonLog::Write(LogLevel level, std::string_view msg,
                    std::initializer_list<LogField> fields) const {
  if (level < min_level_) return;
  static constexpr const char* kLevels[] = {"debug", "info", "warn", "error"};
  std::string line = "{\"ts\":";
  auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now());
  AppendJsonString(line, core::FormatIso8601Millis(now));
  line += ",\"level\":\"";
  line += kLevels[static_cast<int>(level)];
  line += "\",\"msg\":";
  AppendJsonString(line, msg);
  for (const LogField& f : fields) {
    line += ',';
    AppendJsonString(line, f.key);
    line += ':';
    if (auto* s = std::get_if<std::string_view>(&f.value)) {
      AppendJsonString(line, *s);
    } else if (auto* i = std::get_if<long long>(&f.value)) {
      line += std::to_string(*i);
    } else if (auto* d = std::get_if<double>(&f.value)) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.3f", *d);
      line += buf;
    } else {
      line += std::get<bool>(f.value) ? "true" : "false";
    }
  }
  line += "}\n";
  // One write(2) per line keeps lines whole when several threads log at once.
  size_t off = 0;
  while (off < line.size()) {
    ssize_t n = ::write(STDERR_FILENO, line.data() + off, line.size() - off);
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
}

}  // namespace backbeat::app
