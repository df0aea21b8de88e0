// Table-driven cron cases: every line of tests/testdata/cron/*.txt is one test.
//
// Line format (the full description is in tests/testdata/cron/README.md):
//   valid tables:   expression | zone | > after  | t1 t2 ...   Upcoming(after, n) == t1..tn
//                   expression | zone | < before | t1 t2 ...   t1 = Prev(before), t2 = Prev(t1)...
//                   (`none` instead of times: no fire time at all)
//   invalid*.txt:   expression | exact error message from CronExpression::Parse
// An expression written `seconds: ...` is parsed with allow_seconds; one written in double
// quotes is taken verbatim (for blank input). Lines starting with '#' and blank lines are
// ignored. A line that does not fit the format fails its test rather than being skipped, so a
// typo cannot silently drop a case.

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backbeat/core/cron/cron_expression.hpp"
#include "backbeat/core/time/instant.hpp"
#include "backbeat/tzdb/zone_database.hpp"

namespace backbeat::core::cron {
namespace {

enum class Query { kNext, kPrev };

struct TableCase {
  std::string file;  // file name without directory
  int line = 0;
  std::string raw;
  // Set when the line does not fit the format; the test then fails with this reason.
  std::string malformed;
  bool invalid_table = false;
  std::string expression;
  bool allow_seconds = false;
  std::string zone;
  Query query = Query::kNext;
  Instant start;
  std::vector<Instant> expected;  // empty: `none`
  std::string expected_error;
};

// Printed by GoogleTest when a case fails: where the line is and what it says.
void PrintTo(const TableCase& c, std::ostream* os) {
  *os << c.file << ":" << c.line << ": " << c.raw;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    out.push_back(s.substr(start, pos == std::string_view::npos ? pos : pos - start));
    if (pos == std::string_view::npos) return out;
    start = pos + 1;
  }
}

std::vector<std::string_view> Words(std::string_view s) {
  std::vector<std::string_view> out;
  for (std::string_view w : Split(s, ' ')) {
    if (!Trim(w).empty()) out.push_back(Trim(w));
  }
  return out;
}

// Fills expression and allow_seconds from the first column; false if it is malformed.
bool ParseExpressionColumn(std::string_view column, TableCase& c) {
  column = Trim(column);
  constexpr std::string_view kSecondsPrefix = "seconds:";
  if (column.starts_with(kSecondsPrefix)) {
    c.allow_seconds = true;
    column = Trim(column.substr(kSecondsPrefix.size()));
  }
  if (column.size() >= 2 && column.front() == '"' && column.back() == '"') {
    column = column.substr(1, column.size() - 2);
  } else if (column.empty()) {
    return false;  // an empty expression must be written "" so that it is clearly meant
  }
  c.expression = std::string(column);
  return true;
}

void ParseValidLine(const std::vector<std::string_view>& columns, TableCase& c) {
  if (columns.size() != 4) {
    c.malformed = "expected 4 columns separated by '|', got " + std::to_string(columns.size());
    return;
  }
  if (!ParseExpressionColumn(columns[0], c)) {
    c.malformed = "empty expression column";
    return;
  }
  c.zone = std::string(Trim(columns[1]));
  if (c.zone.empty()) {
    c.malformed = "empty zone column";
    return;
  }
  std::vector<std::string_view> query = Words(columns[2]);
  if (query.size() != 2 || (query[0] != ">" && query[0] != "<")) {
    c.malformed = "query column must be `> <instant>` or `< <instant>`";
    return;
  }
  c.query = query[0] == ">" ? Query::kNext : Query::kPrev;
  Result<Instant> start = ParseIso8601(query[1]);
  if (!start.ok()) {
    c.malformed = start.status().message();
    return;
  }
  c.start = *start;
  std::vector<std::string_view> times = Words(columns[3]);
  if (times.empty()) {
    c.malformed = "no expected fire times (write `none` for none)";
    return;
  }
  if (times.size() == 1 && times[0] == "none") return;
  for (std::string_view t : times) {
    Result<Instant> parsed = ParseIso8601(t);
    if (!parsed.ok()) {
      c.malformed = parsed.status().message();
      return;
    }
    c.expected.push_back(*parsed);
  }
}

void ParseInvalidLine(const std::vector<std::string_view>& columns, TableCase& c) {
  if (columns.size() != 2) {
    c.malformed = "expected 2 columns separated by '|', got " + std::to_string(columns.size());
    return;
  }
  if (!ParseExpressionColumn(columns[0], c)) {
    c.malformed = "empty expression column";
    return;
  }
  c.expected_error = std::string(Trim(columns[1]));
  if (c.expected_error.empty()) c.malformed = "empty error message column";
}

std::vector<TableCase> LoadCases() {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(BACKBEAT_TESTDATA_DIR) / "cron";
  std::vector<fs::path> files;
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".txt") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());

  std::vector<TableCase> cases;
  if (files.empty()) {
    // Without this, a wrong path would yield zero tests and a green run.
    TableCase missing;
    missing.file = dir.string();
    missing.malformed = "no *.txt tables found";
    cases.push_back(missing);
    return cases;
  }
  for (const fs::path& path : files) {
    std::ifstream in(path);
    std::string line;
    int number = 0;
    const std::string name = path.filename().string();
    while (std::getline(in, line)) {
      ++number;
      std::string_view content = Trim(line);
      if (content.empty() || content.front() == '#') continue;
      TableCase c;
      c.file = name;
      c.line = number;
      c.raw = std::string(content);
      c.invalid_table = name.starts_with("invalid");
      std::vector<std::string_view> columns = Split(content, '|');
      if (c.invalid_table) {
        ParseInvalidLine(columns, c);
      } else {
        ParseValidLine(columns, c);
      }
      cases.push_back(std::move(c));
    }
  }
  return cases;
}

const std::vector<TableCase>& AllCases() {
  static const std::vector<TableCase> cases = LoadCases();
  return cases;
}

// Loaded once for the whole binary: reading the zone database is the slow part.
const tzdb::ZoneDatabase* Zones() {
  static const std::unique_ptr<tzdb::ZoneDatabase> db = [] {
    auto loaded = tzdb::ZoneDatabase::Load();
    return loaded.ok() ? std::move(loaded).value() : nullptr;
  }();
  return db.get();
}

std::vector<std::string> Format(const std::vector<Instant>& times) {
  std::vector<std::string> out;
  for (Instant t : times) out.push_back(FormatIso8601(t));
  return out;
}

class CronTableTest : public ::testing::TestWithParam<TableCase> {};

TEST_P(CronTableTest, MatchesTable) {
  const TableCase& c = GetParam();
  ASSERT_TRUE(c.malformed.empty()) << "malformed table line: " << c.malformed;
  Result<CronExpression> expr =
      CronExpression::Parse(c.expression, {.allow_seconds = c.allow_seconds});

  if (c.invalid_table) {
    ASSERT_FALSE(expr.ok()) << "parsed, but the table expects: " << c.expected_error;
    EXPECT_EQ(expr.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(expr.status().message(), c.expected_error);
    return;
  }

  ASSERT_TRUE(expr.ok()) << expr.status().message();
  ASSERT_NE(Zones(), nullptr) << "cannot load the zone database";
  Result<const TimeZone*> zone = Zones()->Find(c.zone);
  ASSERT_TRUE(zone.ok()) << zone.status().message();

  std::vector<Instant> got;
  if (c.query == Query::kNext) {
    // `none` still asks for one fire time, so that a spurious one shows.
    got = expr->Upcoming(c.start, **zone, std::max<size_t>(c.expected.size(), 1));
  } else {
    Instant before = c.start;
    for (size_t i = 0; i < std::max<size_t>(c.expected.size(), 1); ++i) {  // as for Next
      std::optional<Instant> prev = expr->Prev(before, **zone);
      if (!prev) break;
      got.push_back(*prev);
      before = *prev;
    }
  }
  EXPECT_EQ(Format(got), Format(c.expected));

  // The fire times form one set whichever way it is walked: the fire time just before the
  // first expected one is not after `after` (and the mirror for Prev).
  if (c.expected.empty()) return;
  const Instant first = c.expected.front();
  if (c.query == Query::kNext) {
    std::optional<Instant> before_first = expr->Prev(first, **zone);
    EXPECT_TRUE(!before_first || *before_first <= c.start)
        << "Prev(" << FormatIso8601(first)
        << ") = " << (before_first ? FormatIso8601(*before_first) : "none") << ", after "
        << FormatIso8601(c.start);
  } else {
    std::optional<Instant> after_first = expr->Next(first, **zone);
    EXPECT_TRUE(after_first && *after_first >= c.start)
        << "Next(" << FormatIso8601(first)
        << ") = " << (after_first ? FormatIso8601(*after_first) : "none") << ", before "
        << FormatIso8601(c.start);
  }
}

std::string CaseName(const ::testing::TestParamInfo<TableCase>& info) {
  // "dst.txt" line 42 -> "dst_L42": a failing test names its line.
  std::string name;
  for (char ch : info.param.file.substr(0, info.param.file.rfind('.'))) {
    name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
  }
  return name + "_L" + std::to_string(info.param.line);
}

INSTANTIATE_TEST_SUITE_P(Tables, CronTableTest, ::testing::ValuesIn(AllCases()), CaseName);

}  // namespace
}  // namespace backbeat::core::cron
