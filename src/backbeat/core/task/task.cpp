#include "backbeat/core/task/task.hpp"

#include <algorithm>

namespace backbeat::core {

std::string_view OverlapName(Overlap o) {
  switch (o) {
    case Overlap::kSkip:
      return "skip";
    case Overlap::kAllow:
      return "allow";
    case Overlap::kQueue:
      return "queue";
  }
  return "skip";
}

std::optional<Overlap> ParseOverlap(std::string_view s) {
  if (s == "skip") return Overlap::kSkip;
  if (s == "allow") return Overlap::kAllow;
  if (s == "queue") return Overlap::kQueue;
  return std::nullopt;
}

std::string_view CatchupName(Catchup c) {
  switch (c) {
    case Catchup::kLatest:
      return "latest";
    case Catchup::kAll:
      return "all";
    case Catchup::kNone:
      return "none";
  }
  return "latest";
}

std::optional<Catchup> ParseCatchup(std::string_view s) {
  if (s == "latest") return Catchup::kLatest;
  if (s == "all") return Catchup::kAll;
  if (s == "none") return Catchup::kNone;
  return std::nullopt;
}

std::optional<std::string> TriggerScheduleId(const Task& task) {
  if (!task.enabled) return std::nullopt;
  std::string token;
  for (char c : task.id) {
    if (c != '-') token += c;
  }
  return "sched_" + token.substr(0, 24);
}

}  // namespace backbeat::core
