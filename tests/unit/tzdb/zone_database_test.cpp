#include "backbeat/tzdb/zone_database.hpp"

#include <gtest/gtest.h>

#include <memory>

#include "backbeat/core/time/instant.hpp"

namespace backbeat::tzdb {
namespace {

using core::Instant;
using std::chrono::hours;
using std::chrono::minutes;

Instant T(const char* iso) { return *core::ParseIso8601(iso); }

class ZoneDatabaseTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto loaded = ZoneDatabase::Load();
    ASSERT_TRUE(loaded.ok()) << loaded.status().message();
    db_ = std::move(loaded).value().release();
  }
  static void TearDownTestSuite() {
    delete db_;
    db_ = nullptr;
  }
  static std::string NameOf(std::string_view query) {
    auto zone = db_->Find(query);
    return zone.ok() ? (*zone)->name() : "error: " + zone.status().message();
  }
  static ZoneDatabase* db_;
};
ZoneDatabase* ZoneDatabaseTest::db_ = nullptr;

TEST_F(ZoneDatabaseTest, FindsCanonicalNames) {
  EXPECT_EQ(NameOf("America/New_York"), "America/New_York");
  EXPECT_EQ(NameOf("Europe/London"), "Europe/London");
  EXPECT_EQ(NameOf("Australia/Lord_Howe"), "Australia/Lord_Howe");
}

TEST_F(ZoneDatabaseTest, NamesAreCaseInsensitive) {
  EXPECT_EQ(NameOf("america/new_york"), "America/New_York");
  EXPECT_EQ(NameOf("EUROPE/BERLIN"), "Europe/Berlin");
}

TEST_F(ZoneDatabaseTest, AliasesResolveToCanonicalZones) {
  EXPECT_EQ(NameOf("us/eastern"), "America/New_York");
  EXPECT_EQ(NameOf("Asia/Calcutta"), "Asia/Kolkata");
  EXPECT_EQ(NameOf("Australia/LHI"), "Australia/Lord_Howe");
}

TEST_F(ZoneDatabaseTest, UtcAliasesAreStoredAsUtc) {
  for (const char* alias : {"UTC", "utc", "Etc/UTC", "Zulu", "Etc/Zulu", "Universal", "UCT",
                            "Etc/Universal", "etc/uct"}) {
    EXPECT_EQ(NameOf(alias), "UTC") << alias;
  }
}

TEST_F(ZoneDatabaseTest, UnknownNamesAreErrorValues) {
  for (const char* bad : {"", "Mars/Olympus", "America/New York", "../../etc/passwd", "America/",
                          "/usr/share/zoneinfo/UTC"}) {
    auto zone = db_->Find(bad);
    ASSERT_FALSE(zone.ok()) << bad;
    EXPECT_EQ(zone.status().code(), core::ErrorCode::kInvalidArgument);
    EXPECT_EQ(zone.status().message(), "unknown time zone \"" + std::string(bad) + "\"");
  }
  EXPECT_FALSE(db_->Find(std::string(4096, 'a')).ok());
}

TEST_F(ZoneDatabaseTest, ListsCanonicalNamesOnly) {
  std::vector<std::string> names = db_->CanonicalNames();
  EXPECT_GT(names.size(), 300u);
  EXPECT_NE(std::find(names.begin(), names.end(), "America/New_York"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "UTC"), names.end());
  EXPECT_EQ(std::find(names.begin(), names.end(), "US/Eastern"), names.end());
  EXPECT_EQ(std::find(names.begin(), names.end(), "Etc/UTC"), names.end());
}

TEST_F(ZoneDatabaseTest, SegmentsMatchKnownTransitions) {
  const core::TimeZone& ny = **db_->Find("America/New_York");
  core::ZoneSegment s = ny.SegmentAt(T("2026-07-01T00:00:00Z"));
  EXPECT_EQ(s.offset, -hours(4));
  EXPECT_EQ(s.begin, T("2026-03-08T07:00:00Z"));
  EXPECT_EQ(s.end, T("2026-11-01T06:00:00Z"));
}

TEST_F(ZoneDatabaseTest, DstContinuesPastTheFilesLastTransition) {
  // Debian's zone files list transitions to 2037; the footer rule carries on after.
  const core::TimeZone& ny = **db_->Find("America/New_York");
  EXPECT_EQ(ny.SegmentAt(T("2040-07-01T00:00:00Z")).offset, -hours(4));
  EXPECT_EQ(ny.SegmentAt(T("2040-12-01T00:00:00Z")).offset, -hours(5));
  EXPECT_EQ(ny.SegmentAt(T("2100-07-01T00:00:00Z")).offset, -hours(4));
  // 2040: second Sunday of March is the 11th.
  EXPECT_EQ(ny.SegmentAt(T("2040-07-01T00:00:00Z")).begin, T("2040-03-11T07:00:00Z"));
  const core::TimeZone& london = **db_->Find("Europe/London");
  EXPECT_EQ(london.SegmentAt(T("2050-07-01T00:00:00Z")).offset, hours(1));
  const core::TimeZone& lord_howe = **db_->Find("Australia/Lord_Howe");
  EXPECT_EQ(lord_howe.SegmentAt(T("2050-01-01T00:00:00Z")).offset, hours(11));
  EXPECT_EQ(lord_howe.SegmentAt(T("2050-07-01T00:00:00Z")).offset, hours(10) + minutes(30));
}

TEST_F(ZoneDatabaseTest, SegmentsAreContiguousAcrossTheExtension) {
  // Walking segment to segment from 2030 to 2060 never leaves a hole or overlaps.
  for (const char* name : {"America/New_York", "Europe/Berlin", "Australia/Lord_Howe",
                           "Pacific/Chatham", "America/Santiago", "Asia/Kolkata"}) {
    const core::TimeZone& zone = **db_->Find(name);
    Instant t = T("2030-01-01T00:00:00Z");
    int steps = 0;
    while (t < T("2060-01-01T00:00:00Z") && steps < 200) {
      core::ZoneSegment s = zone.SegmentAt(t);
      ASSERT_LE(s.begin, t) << name << " at " << core::FormatIso8601(t);
      ASSERT_GT(s.end, t) << name << " at " << core::FormatIso8601(t);
      if (s.end == Instant::max()) break;
      EXPECT_EQ(zone.SegmentAt(s.end).begin, s.end) << name;
      t = s.end;
      ++steps;
    }
  }
}

TEST_F(ZoneDatabaseTest, ResolvesSkippedAndRepeatedReadings) {
  const core::TimeZone& ny = **db_->Find("America/New_York");
  auto local = [](const char* iso) { return core::LocalSeconds{T(iso).time_since_epoch()}; };
  core::LocalResolution gap = ny.Resolve(local("2026-03-08T02:30:00Z"));
  EXPECT_EQ(gap.kind, core::LocalResolution::Kind::kSkipped);
  EXPECT_EQ(gap.first.end, T("2026-03-08T07:00:00Z"));
  core::LocalResolution repeat = ny.Resolve(local("2026-11-01T01:30:00Z"));
  EXPECT_EQ(repeat.kind, core::LocalResolution::Kind::kRepeated);
  EXPECT_EQ(repeat.first.offset, -hours(4));
  EXPECT_EQ(repeat.second.offset, -hours(5));
  // The same two cases in 2045, answered by the footer rule.
  EXPECT_EQ(ny.Resolve(local("2045-03-12T02:30:00Z")).kind, core::LocalResolution::Kind::kSkipped);
  EXPECT_EQ(ny.Resolve(local("2045-11-05T01:30:00Z")).kind, core::LocalResolution::Kind::kRepeated);
}

}  // namespace
}  // namespace backbeat::tzdb
