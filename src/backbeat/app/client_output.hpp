#pragma once

#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace backbeat::app {

// Plain-text rendering of API objects for `backbeat tasks` (its default, human output). Every
// function reads the JSON defensively: a missing or mistyped member shows as "-", never fails,
// so a newer server with more or other fields still prints.

// A table: one header row, then rows; columns left-aligned to their widest cell (counted in
// UTF-8 code points) and separated by two spaces; no trailing blanks. Control characters in
// cells show as spaces so a title cannot break the layout. Not thread-safe.
class TextTable {
 public:
  explicit TextTable(std::vector<std::string> headers);
  void AddRow(std::vector<std::string> cells);
  // Writes the table with each line prefixed by `indent`.
  void Print(std::ostream& out, std::string_view indent = {}) const;

 private:
  std::vector<std::vector<std::string>> rows_;  // rows_[0] is the header
};

// `text` with control characters as spaces, cut to `max_width` code points ("..." ending a cut).
std::string Cell(std::string_view text, size_t max_width = 0);
// An API time ("2026-03-27T09:00:00.000Z") without its milliseconds; "-" for null.
std::string DisplayTime(const boost::json::value* value);
// 850 -> "850ms", 12300 -> "12.3s", 245000 -> "4m05s", 3720000 -> "1h02m".
std::string DisplayDuration(int64_t milliseconds);

// ID, TITLE, SCHEDULE, ZONE, ENABLED, NEXT FIRE, LAST RUN.
void PrintTaskTable(const boost::json::array& tasks, std::ostream& out);
// ID, TASK, STATUS, CREATED, DURATION.
void PrintRunTable(const boost::json::array& runs, std::ostream& out);
// One task, field by field, with its upcoming fires and recent runs.
void PrintTaskDetail(const boost::json::object& task, std::ostream& out);
// One run (list or detail form), with its attempts, error and output when present.
void PrintRunDetail(const boost::json::object& run, std::ostream& out);

}  // namespace backbeat::app
