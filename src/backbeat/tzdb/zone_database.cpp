#include "backbeat/tzdb/zone_database.hpp"

#include <date/tz.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>

#include "backbeat/core/time/fixed_offset_zone.hpp"
#include "backbeat/tzdb/posix_rule.hpp"

namespace backbeat::tzdb {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

std::string Fold(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// date/tz marks the open ends of its first and last segments with far-away years.
core::Instant Clamp(date::sys_seconds t) {
  constexpr auto kYear = std::chrono::seconds(31556952);
  core::Instant instant{t.time_since_epoch()};
  if (t.time_since_epoch() < -1970 * kYear) return core::Instant::min();
  if (t.time_since_epoch() > 8030 * kYear) return core::Instant::max();
  return instant;
}

core::ZoneSegment FromInfo(const date::sys_info& info) {
  return {Clamp(info.begin), Clamp(info.end), info.offset};
}

// The POSIX rule on the last line of a TZif file, if it has one with DST.
std::optional<PosixRule> ReadFooter(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  std::streamoff take = std::min<std::streamoff>(size, 256);
  std::string tail(static_cast<size_t>(take), '\0');
  in.seekg(size - take);
  in.read(tail.data(), take);
  if (tail.size() < 2 || tail.back() != '\n') return std::nullopt;
  tail.pop_back();
  size_t nl = tail.rfind('\n');
  if (nl == std::string::npos) return std::nullopt;
  core::Result<PosixRule> rule = PosixRule::Parse(std::string_view(tail).substr(nl + 1));
  if (!rule.ok() || !rule->has_dst()) return std::nullopt;
  return std::move(rule).value();
}

}  // namespace

// One zone of the database. Past `extend_from_` (the start of date/tz's open-ended last
// segment) the footer rule decides, so DST goes on after 2037.
class IanaZone final : public core::TimeZone {
 public:
  IanaZone(std::string name, const date::time_zone* zone, std::optional<PosixRule> footer)
      : name_(std::move(name)), zone_(zone), footer_(std::move(footer)) {
    if (footer_) {
      date::sys_info last = zone_->get_info(date::sys_days(date::year(9000) / 1 / 1));
      extend_from_ = Clamp(last.begin);
    }
  }

  const std::string& name() const override { return name_; }

  core::ZoneSegment SegmentAt(core::Instant t) const override {
    if (footer_ && t >= extend_from_) {
      core::ZoneSegment seg = footer_->SegmentAt(t);
      seg.begin = std::max(seg.begin, extend_from_);
      return seg;
    }
    return FromInfo(zone_->get_info(date::sys_seconds(t.time_since_epoch())));
  }

  core::LocalResolution Resolve(core::LocalSeconds local) const override {
    // A day past the last listed transition both sources agree, and no transition is near.
    if (footer_ &&
        local.time_since_epoch() > extend_from_.time_since_epoch() + std::chrono::hours(24)) {
      return footer_->Resolve(local);
    }
    date::local_info info = zone_->get_info(date::local_seconds(local.time_since_epoch()));
    using Kind = core::LocalResolution::Kind;
    switch (info.result) {
      case date::local_info::nonexistent:
        return {Kind::kSkipped, FromInfo(info.first), FromInfo(info.second)};
      case date::local_info::ambiguous:
        return {Kind::kRepeated, FromInfo(info.first), FromInfo(info.second)};
      default:
        return {Kind::kUnique, FromInfo(info.first), FromInfo(info.first)};
    }
  }

 private:
  std::string name_;
  const date::time_zone* zone_;
  std::optional<PosixRule> footer_;
  core::Instant extend_from_ = core::Instant::max();
};

ZoneDatabase::~ZoneDatabase() = default;

core::Result<std::unique_ptr<ZoneDatabase>> ZoneDatabase::Load(std::string_view directory) {
  std::unique_ptr<ZoneDatabase> db(new ZoneDatabase());
  const date::tzdb* source = nullptr;
  try {
    source = &date::get_tzdb();
  } catch (const std::exception& e) {
    return core::Status(core::ErrorCode::kUnavailable,
                        std::string("cannot read the time zone database: ") + e.what());
  }
  std::error_code ec;
  const fs::path root = fs::canonical(fs::path(directory), ec);
  if (ec) {
    return core::Status(core::ErrorCode::kUnavailable,
                        "cannot read the time zone directory " + std::string(directory));
  }

  std::unordered_map<std::string, std::string> canonical_of;  // any name -> canonical
  std::set<std::string> canonical;
  for (const date::time_zone& zone : source->zones) {
    std::string name = zone.name();
    fs::path target = fs::canonical(root / name, ec);
    std::string canon = ec ? name : target.lexically_relative(root).generic_string();
    if (canon.empty() || canon.starts_with("..")) canon = name;
    if (canon == "Etc/UTC" || canon == "Etc/UCT" || canon == "Etc/Universal" ||
        canon == "Etc/Zulu") {
      canon = "UTC";
    }
    canonical_of[name] = canon;
    canonical.insert(canon);
  }

  std::unordered_map<std::string, const core::TimeZone*> by_canonical;
  by_canonical["UTC"] = &core::UtcZone();
  for (const std::string& name : canonical) {
    if (name == "UTC") continue;
    const date::time_zone* zone = nullptr;
    try {
      zone = date::locate_zone(name);
    } catch (const std::exception&) {
      continue;
    }
    auto iana = std::make_unique<IanaZone>(name, zone, ReadFooter(root / name));
    by_canonical[name] = iana.get();
    db->zones_.push_back(std::move(iana));
  }
  for (const auto& [name, canon] : canonical_of) {
    auto it = by_canonical.find(canon);
    if (it != by_canonical.end()) db->by_folded_name_[Fold(name)] = it->second;
  }
  db->by_folded_name_["utc"] = &core::UtcZone();
  return db;
}

core::Result<const core::TimeZone*> ZoneDatabase::Find(std::string_view name) const {
  auto it = by_folded_name_.find(Fold(name.substr(0, 128)));
  if (name.size() > 128 || it == by_folded_name_.end()) {
    std::string shown(name.substr(0, 64));
    return core::InvalidArgument("unknown time zone \"" + shown + "\"");
  }
  return it->second;
}

std::vector<std::string> ZoneDatabase::CanonicalNames() const {
  std::vector<std::string> names{"UTC"};
  for (const auto& zone : zones_) names.push_back(zone->name());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace backbeat::tzdb
