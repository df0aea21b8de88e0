#include "backbeat/app/json_log.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "backbeat/core/text/json_string.hpp"
#include "backbeat/core/time/instant.hpp"

namespace backbeat::app {

void JsonLog::Write(LogLevel level, std::string_view msg,
                    std::initializer_list<LogField> fields) const {
  if (level < min_level_) return;
  static constexpr const char* kLevels[] = {"debug", "info", "warn", "error"};
  std::string line = "{\"ts\":";
  auto now =
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  core::AppendJsonString(line, core::FormatIso8601Millis(now));
  line += ",\"level\":\"";
  line += kLevels[static_cast<int>(level)];
  line += "\",\"msg\":";
  core::AppendJsonString(line, msg);
  for (const LogField& f : fields) {
    line += ',';
    core::AppendJsonString(line, f.key);
    line += ':';
    if (auto* s = std::get_if<std::string_view>(&f.value)) {
      core::AppendJsonString(line, *s);
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
