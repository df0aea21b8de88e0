#include "backbeat/app/client_output.hpp"

#include <algorithm>
#include <ostream>

namespace backbeat::app {
namespace {

namespace json = boost::json;

constexpr size_t kTitleWidth = 40;
constexpr size_t kScheduleWidth = 24;
constexpr std::string_view kNone = "-";

bool IsContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

size_t CodePoints(std::string_view text) {
  return static_cast<size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return !IsContinuationByte(c); }));
}

const json::value* Member(const json::object& o, std::string_view key) {
  return o.if_contains(key);
}

// The member as display text: strings as they are, numbers and booleans printed, "-" otherwise.
std::string Text(const json::object& o, std::string_view key) {
  const json::value* v = Member(o, key);
  if (v == nullptr) return std::string(kNone);
  if (const json::string* s = v->if_string()) return s->empty() ? std::string(kNone) : s->c_str();
  if (v->is_int64()) return std::to_string(v->get_int64());
  if (v->is_uint64()) return std::to_string(v->get_uint64());
  if (v->is_bool()) return v->get_bool() ? "yes" : "no";
  if (v->is_double()) return json::serialize(*v);
  return std::string(kNone);
}

int64_t Integer(const json::object& o, std::string_view key) {
  const json::value* v = Member(o, key);
  if (v == nullptr) return 0;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<int64_t>(v->get_uint64());
  if (v->is_double()) return static_cast<int64_t>(v->get_double());
  return 0;
}

const json::array* Array(const json::object& o, std::string_view key) {
  const json::value* v = Member(o, key);
  return v == nullptr ? nullptr : v->if_array();
}

const json::object* ObjectAt(const json::array* a, size_t i) {
  if (a == nullptr || i >= a->size()) return nullptr;
  return (*a)[i].if_object();
}

// The task a run belongs to, from its `task:<id>` tag (the run object has no task id field).
std::string RunTask(const json::object& run) {
  if (const json::array* tags = Array(run, "tags")) {
    for (const json::value& tag : *tags) {
      const json::string* s = tag.if_string();
      if (s != nullptr && s->starts_with("task:")) return std::string(s->subview(5));
    }
  }
  return std::string(kNone);
}

std::string RunDuration(const json::object& run) {
  const int64_t ms = Integer(run, "durationMs");
  const json::value* finished = Member(run, "finishedAt");
  const bool ended = finished != nullptr && finished->is_string();
  if (ms <= 0 && !ended) return std::string(kNone);
  return DisplayDuration(ms);
}

std::string RunError(const json::value* error) {
  const json::object* e = error == nullptr ? nullptr : error->if_object();
  if (e == nullptr) return {};
  const std::string name = Text(*e, "name");
  const std::string message = Text(*e, "message");
  if (name == kNone) return message;
  return name + ": " + message;
}

// "Label       value" lines with a fixed label column; continuation lines of a multi-line value
// are indented under the value.
class Fields {
 public:
  explicit Fields(std::ostream& out) : out_(out) {}
  void Line(std::string_view label, std::string_view value) {
    std::string padded(label);
    padded.resize(kLabelWidth, ' ');
    size_t start = 0;
    bool first = true;
    while (true) {
      const size_t end = value.find('\n', start);
      std::string_view line =
          value.substr(start, end == std::string_view::npos ? end : end - start);
      std::string text = (first ? padded : std::string(kLabelWidth, ' ')) + Cell(line);
      while (!text.empty() && text.back() == ' ') text.pop_back();
      out_ << text << "\n";
      first = false;
      if (end == std::string_view::npos) break;
      start = end + 1;
    }
  }

 private:
  static constexpr size_t kLabelWidth = 13;
  std::ostream& out_;
};

}  // namespace

TextTable::TextTable(std::vector<std::string> headers) { rows_.push_back(std::move(headers)); }

void TextTable::AddRow(std::vector<std::string> cells) {
  for (std::string& cell : cells) cell = Cell(cell);
  cells.resize(rows_.front().size());
  rows_.push_back(std::move(cells));
}

void TextTable::Print(std::ostream& out, std::string_view indent) const {
  std::vector<size_t> widths(rows_.front().size(), 0);
  for (const auto& row : rows_) {
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], CodePoints(row[i]));
  }
  for (const auto& row : rows_) {
    std::string line(indent);
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line.append(widths[i] - CodePoints(row[i]) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  }
}

std::string Cell(std::string_view text, size_t max_width) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    out.push_back(u < 0x20 || u == 0x7F ? ' ' : c);
  }
  if (max_width > 3 && CodePoints(out) > max_width) {
    // Keep max_width - 3 code points, then "...".
    size_t kept = 0;
    size_t cut = 0;
    while (cut < out.size()) {
      if (!IsContinuationByte(out[cut])) {
        if (kept == max_width - 3) break;
        ++kept;
      }
      ++cut;
    }
    out.resize(cut);
    out += "...";
  }
  return out;
}

std::string DisplayTime(const json::value* value) {
  const json::string* s = value == nullptr ? nullptr : value->if_string();
  if (s == nullptr || s->empty()) return std::string(kNone);
  std::string text(s->c_str());
  // "....:00.000Z" -> "....:00Z"; anything else is shown as the server sent it.
  const size_t dot = text.rfind('.');
  if (dot != std::string::npos && text.back() == 'Z' && dot + 5 == text.size()) {
    text.erase(dot, 4);
  }
  return text;
}

std::string DisplayDuration(int64_t milliseconds) {
  const int64_t ms = std::max<int64_t>(milliseconds, 0);
  auto two = [](int64_t n) { return (n < 10 ? "0" : "") + std::to_string(n); };
  if (ms < 1000) return std::to_string(ms) + "ms";
  if (ms < 60'000) {
    const int64_t tenths = ms / 100;
    return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + "s";
  }
  const int64_t seconds = ms / 1000;
  if (seconds < 3600) return std::to_string(seconds / 60) + "m" + two(seconds % 60) + "s";
  return std::to_string(seconds / 3600) + "h" + two(seconds / 60 % 60) + "m";
}

void PrintTaskTable(const json::array& tasks, std::ostream& out) {
  TextTable table({"ID", "TITLE", "SCHEDULE", "ZONE", "ENABLED", "NEXT FIRE", "LAST RUN"});
  for (const json::value& item : tasks) {
    const json::object* task = item.if_object();
    if (task == nullptr) continue;
    const json::object* last = ObjectAt(Array(*task, "recent_runs"), 0);
    const json::array* upcoming = Array(*task, "upcoming");
    table.AddRow(
        {Text(*task, "id"), Cell(Text(*task, "title"), kTitleWidth),
         Cell(Text(*task, "schedule"), kScheduleWidth), Text(*task, "timezone"),
         Text(*task, "enabled"),
         DisplayTime(upcoming != nullptr && !upcoming->empty() ? &upcoming->front() : nullptr),
         last != nullptr ? Text(*last, "status") : std::string(kNone)});
  }
  table.Print(out);
}

void PrintRunTable(const json::array& runs, std::ostream& out) {
  TextTable table({"ID", "TASK", "STATUS", "CREATED", "DURATION"});
  for (const json::value& item : runs) {
    const json::object* run = item.if_object();
    if (run == nullptr) continue;
    table.AddRow({Text(*run, "id"), RunTask(*run), Text(*run, "status"),
                  DisplayTime(Member(*run, "createdAt")), RunDuration(*run)});
  }
  table.Print(out);
}

void PrintTaskDetail(const json::object& task, std::ostream& out) {
  Fields f(out);
  f.Line("Task", Text(task, "id"));
  f.Line("Title", Text(task, "title"));
  f.Line("Schedule", Text(task, "schedule") + " (" + Text(task, "timezone") + ")");
  f.Line("Enabled", Text(task, "enabled"));
  const std::string model = Text(task, "model");
  f.Line("Model", model == kNone ? "server default" : model);
  f.Line("Artist", Text(task, "artist_account_id"));
  const std::string email = Text(task, "owner_email");
  f.Line("Account", Text(task, "account_id") + (email == kNone ? "" : " (" + email + ")"));
  f.Line("Overlap", Text(task, "overlap"));
  f.Line("Catch-up",
         Text(task, "catchup") + ", window " + Text(task, "catchup_window_seconds") + "s");
  f.Line("Attempts", Text(task, "max_attempts") + " at most, timeout " +
                         Text(task, "timeout_seconds") + "s each");
  f.Line("Created", DisplayTime(Member(task, "created_at")));
  f.Line("Updated", DisplayTime(Member(task, "updated_at")));
  f.Line("Prompt", Text(task, "prompt"));
  std::string upcoming;
  if (const json::array* fires = Array(task, "upcoming")) {
    for (const json::value& at : *fires) {
      if (!upcoming.empty()) upcoming += "\n";
      upcoming += DisplayTime(&at);
    }
  }
  f.Line("Next fires", upcoming.empty() ? "none (disabled)" : upcoming);
  const json::array* runs = Array(task, "recent_runs");
  if (runs == nullptr || runs->empty()) {
    f.Line("Recent runs", "none");
    return;
  }
  f.Line("Recent runs", "");
  TextTable table({"ID", "STATUS", "CREATED", "DURATION"});
  for (const json::value& item : *runs) {
    const json::object* run = item.if_object();
    if (run == nullptr) continue;
    table.AddRow({Text(*run, "id"), Text(*run, "status"), DisplayTime(Member(*run, "createdAt")),
                  RunDuration(*run)});
  }
  table.Print(out, "  ");
}

void PrintRunDetail(const json::object& run, std::ostream& out) {
  Fields f(out);
  f.Line("Run", Text(run, "id"));
  f.Line("Task", RunTask(run));
  f.Line("Status", Text(run, "status"));
  f.Line("Created", DisplayTime(Member(run, "createdAt")));
  f.Line("Started", DisplayTime(Member(run, "startedAt")));
  f.Line("Finished", DisplayTime(Member(run, "finishedAt")));
  if (const json::value* expired = Member(run, "expiredAt"); expired && expired->is_string()) {
    f.Line("Expired", DisplayTime(expired));
  }
  f.Line("Duration", RunDuration(run));
  const std::string key = Text(run, "idempotencyKey");
  if (key != kNone) f.Line("Idempotency", key);
  if (const std::string error = RunError(Member(run, "error")); !error.empty()) {
    f.Line("Error", error);
  }
  if (const json::value* output = Member(run, "output"); output && !output->is_null()) {
    // The executor's output as compact JSON, cut so a large answer does not flood the terminal
    // (`--json` has all of it).
    f.Line("Output", Cell(json::serialize(*output), 400));
  }
  const json::array* attempts = Array(run, "attempts");
  if (attempts == nullptr || attempts->empty()) return;
  f.Line("Attempts", "");
  TextTable table({"ID", "STATUS", "STARTED", "COMPLETED", "ERROR"});
  for (const json::value& item : *attempts) {
    const json::object* a = item.if_object();
    if (a == nullptr) continue;
    table.AddRow({Text(*a, "id"), Text(*a, "status"), DisplayTime(Member(*a, "startedAt")),
                  DisplayTime(Member(*a, "completedAt")), Cell(RunError(Member(*a, "error")), 60)});
  }
  table.Print(out, "  ");
}

}  // namespace backbeat::app
