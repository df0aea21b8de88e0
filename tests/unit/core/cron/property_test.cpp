// Property tests: random valid expressions and random instants, checked against the naive
// ReferenceMatcher and against invariants that any correct Next/Prev must satisfy.
//
// The run is deterministic for a seed. Environment:
//   BACKBEAT_PROPERTY_SEED   base seed (default below); every failure prints it with the case.
//   BACKBEAT_PROPERTY_SCALE  multiplies the iteration counts (default 1, or 0.25 under ASan).

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "backbeat/core/cron/cron_expression.hpp"
#include "backbeat/core/cron/field.hpp"
#include "backbeat/core/time/fixed_offset_zone.hpp"
#include "backbeat/core/time/instant.hpp"
#include "backbeat/tzdb/zone_database.hpp"
#include "tests/unit/core/cron/reference_matcher.hpp"

namespace backbeat::core::cron {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

#if defined(__SANITIZE_ADDRESS__)
constexpr double kDefaultScale = 0.25;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr double kDefaultScale = 0.25;
#else
constexpr double kDefaultScale = 1.0;
#endif
#else
constexpr double kDefaultScale = 1.0;
#endif

constexpr uint64_t kDefaultSeed = 20250309;
// The reference gives up this far from the query instant. Far enough for the rarest generated
// day rules (a fifth Monday in February comes round about every 28 to 40 years).
constexpr seconds kHorizon = days(366 * 60);
// Reporting stops after this many broken cases so one bug does not bury the log.
constexpr int kMaxReportedFailures = 10;

uint64_t BaseSeed() {
  const char* text = std::getenv("BACKBEAT_PROPERTY_SEED");
  return text != nullptr && *text != '\0' ? std::strtoull(text, nullptr, 10) : kDefaultSeed;
}

// Scaled iteration count, never below one.
int Scaled(int count) {
  double scale = kDefaultScale;
  if (const char* text = std::getenv("BACKBEAT_PROPERTY_SCALE"); text != nullptr && *text != 0) {
    scale = std::strtod(text, nullptr);
  }
  return std::max(1, static_cast<int>(count * scale));
}

std::string Iso(std::optional<Instant> t) { return t ? FormatIso8601(*t) : "none"; }

std::string IsoLocal(std::optional<LocalSeconds> t) {
  return t ? FormatIso8601(Instant{t->time_since_epoch()}).substr(0, 19) + " (wall clock)" : "none";
}

constexpr Instant kFirstInstant = std::chrono::sys_days{std::chrono::year{2000} / 1 / 1};
constexpr Instant kLastInstant = std::chrono::sys_days{std::chrono::year{2100} / 1 / 1};

// ---------------------------------------------------------------------------------------------
// Expression generator

// One generated field with what it must parse to, worked out independently of the parser.
struct GeneratedField {
  std::string text;
  uint64_t plain_bits = 0;  // values named by plain items; day-of-week folded to 0-6
  bool wildcard = false;    // exactly "*" or "?"
};

struct GeneratedExpression {
  std::string text;
  bool has_seconds = false;
  bool is_macro = false;
  bool fixed_time = false;
  std::array<GeneratedField, kFieldCount> fields;
};

// Random expressions from the grammar of API.md section 6: lists, ranges, steps, names (in any
// case), 0 and 7 for Sunday, '?', L, LW, nW, nL, n#k, macros, 5 and 6 fields. Values lean towards
// the ones DST transitions touch (hours 0-3 and 23, minutes 0/15/30/45) so that fixed-time
// expressions often land in a gap or an overlap.
class ExpressionGenerator {
 public:
  explicit ExpressionGenerator(uint64_t seed) : rng_(seed) {}

  GeneratedExpression Generate() {
    GeneratedExpression out;
    if (Chance(4)) {
      static constexpr std::array<const char*, 7> kMacros = {
          "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"};
      out.text = kMacros[Uniform(0, int(kMacros.size()) - 1)];
      if (Chance(30)) out.text = UpperCase(out.text);
      out.is_macro = true;
      out.fixed_time = out.text != "@hourly" && out.text != "@HOURLY";
      return out;
    }
    out.has_seconds = Chance(25);
    for (int k = out.has_seconds ? 0 : 1; k < kFieldCount; ++k) {
      out.fields[k] = Field(static_cast<FieldKind>(k));
      if (!out.text.empty()) out.text += Chance(90) ? " " : (Chance(50) ? "  " : "\t");
      out.text += out.fields[k].text;
    }
    if (Chance(5)) out.text = " " + out.text + "\t";
    if (!out.has_seconds) out.fields[0] = {"0", 1, false};
    out.fixed_time = true;
    for (int k = 0; k <= static_cast<int>(FieldKind::kHour); ++k) {
      if (out.fields[k].text.front() == '*') out.fixed_time = false;
    }
    return out;
  }

 private:
  static std::string UpperCase(std::string s) {
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
  }

  int Uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool Chance(int percent) { return Uniform(0, 99) < percent; }

  static int Min(FieldKind kind) { return BoundsOf(kind).min; }
  static int Max(FieldKind kind) { return BoundsOf(kind).max; }
  // What '*' spans: day-of-week stops at 6, as 7 is Sunday again.
  static int StarMax(FieldKind kind) { return kind == FieldKind::kDayOfWeek ? 6 : Max(kind); }

  int PickValue(FieldKind kind) {
    switch (kind) {
      case FieldKind::kSecond:
      case FieldKind::kMinute:
        return Chance(50) ? 15 * Uniform(0, 3) : Uniform(0, 59);
      case FieldKind::kHour: {
        static constexpr std::array<int, 5> kNearTransitions = {0, 1, 2, 3, 23};
        return Chance(50) ? kNearTransitions[Uniform(0, 4)] : Uniform(0, 23);
      }
      case FieldKind::kDayOfMonth:
        return Chance(30) ? Uniform(28, 31) : Uniform(1, 31);
      default:
        return Uniform(Min(kind), Max(kind));
    }
  }

  // A value as text: a number, or for months and weekdays sometimes a name in random case.
  std::string Spell(FieldKind kind, int value) {
    static constexpr std::array<const char*, 12> kMonths = {
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
    static constexpr std::array<const char*, 7> kWeekdays = {"sun", "mon", "tue", "wed",
                                                             "thu", "fri", "sat"};
    const char* name = nullptr;
    if (kind == FieldKind::kMonth && Chance(40)) name = kMonths[value - 1];
    if (kind == FieldKind::kDayOfWeek && value < 7 && Chance(40)) name = kWeekdays[value];
    if (name == nullptr) return std::to_string(value);
    std::string s = name;
    if (Chance(50)) s = UpperCase(s);
    if (Chance(20)) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
    return s;
  }

  static uint64_t Bit(FieldKind kind, int value) {
    return uint64_t{1} << (kind == FieldKind::kDayOfWeek ? value % 7 : value);
  }

  int PickStep(FieldKind kind) {
    const int span = StarMax(kind) - Min(kind);
    return Chance(60) ? Uniform(1, std::min(span, 6)) : Uniform(1, span);
  }

  // One plain list item ("5", "1-5", "1-30/7", "*/15", "5/15"); adds its values to `bits`.
  std::string PlainItem(FieldKind kind, uint64_t& bits) {
    const int roll = Uniform(0, 99);
    if (roll < 10) {
      const int step = PickStep(kind);
      for (int v = Min(kind); v <= StarMax(kind); v += step) bits |= Bit(kind, v);
      return "*/" + std::to_string(step);
    }
    if (roll < 55) {
      const int v = PickValue(kind);
      bits |= Bit(kind, v);
      return Spell(kind, v);
    }
    if (roll < 85 || kind == FieldKind::kDayOfWeek) {
      // Day-of-week gets no "a/s": whether its end is 6 or 7 (Sunday again) is not in API.md.
      int a = PickValue(kind);
      int b = PickValue(kind);
      if (a > b) std::swap(a, b);
      const int step = Chance(40) ? PickStep(kind) : 1;
      for (int v = a; v <= b; v += step) bits |= Bit(kind, v);
      std::string text = Spell(kind, a) + "-" + Spell(kind, b);
      return step == 1 && Chance(70) ? text : text + "/" + std::to_string(step);
    }
    // "a/s": from a to the field's end.
    const int a = PickValue(kind);
    const int step = PickStep(kind);
    for (int v = a; v <= StarMax(kind); v += step) bits |= Bit(kind, v);
    return Spell(kind, a) + "/" + std::to_string(step);
  }

  std::string SpecialDayItem(FieldKind kind) {
    if (kind == FieldKind::kDayOfMonth) {
      const int roll = Uniform(0, 5);
      if (roll == 0) return Chance(50) ? "L" : "l";
      if (roll == 1) return Chance(50) ? "LW" : "lw";
      return std::to_string(PickValue(kind)) + (Chance(80) ? "W" : "w");
    }
    const std::string weekday = Spell(kind, Uniform(0, 7));
    if (Chance(50)) return weekday + (Chance(80) ? "L" : "l");
    return weekday + "#" + std::to_string(Uniform(1, 5));
  }

  GeneratedField Field(FieldKind kind) {
    GeneratedField out;
    const bool day_field = kind == FieldKind::kDayOfMonth || kind == FieldKind::kDayOfWeek;
    const int star_percent = kind == FieldKind::kSecond || kind == FieldKind::kMinute ? 20
                             : kind == FieldKind::kMonth                              ? 60
                                                                                      : 35;
    if (Chance(star_percent)) {
      out.text = day_field && Chance(15) ? "?" : "*";
      out.wildcard = true;
      for (int v = Min(kind); v <= StarMax(kind); ++v) out.plain_bits |= Bit(kind, v);
      return out;
    }
    const int items = Chance(65) ? 1 : Uniform(2, 3);
    for (int i = 0; i < items; ++i) {
      if (i > 0) out.text += ',';
      if (day_field && Chance(35)) {
        out.text += SpecialDayItem(kind);
      } else {
        out.text += PlainItem(kind, out.plain_bits);
      }
    }
    return out;
  }

  std::mt19937_64 rng_;
};

// ---------------------------------------------------------------------------------------------
// Fixture

class CronPropertyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto loaded = tzdb::ZoneDatabase::Load();
    ASSERT_TRUE(loaded.ok()) << loaded.status().message();
    db_ = std::move(loaded).value().release();
  }
  static void TearDownTestSuite() {
    delete db_;
    db_ = nullptr;
  }

  static const TimeZone& Zone(std::string_view name) {
    auto zone = db_->Find(name);
    EXPECT_TRUE(zone.ok()) << name;
    return zone.ok() ? **zone : UtcZone();
  }

  // Generates expressions until one parses. Whether the parser accepts everything it should is
  // GeneratedExpressionsParseToTheirFields' business; here a rejection just means "draw again".
  static std::pair<GeneratedExpression, CronExpression> ValidExpression(
      ExpressionGenerator& generator) {
    while (true) {
      GeneratedExpression generated = generator.Generate();
      auto parsed = CronExpression::Parse(generated.text, {.allow_seconds = true});
      if (parsed.ok()) return {generated, std::move(parsed).value()};
    }
  }

  // Counts a broken property and reports it with everything needed to replay it.
  bool Check(bool ok, const std::string& context, const std::string& what) {
    if (ok) return true;
    if (++failures_ <= kMaxReportedFailures) {
      ADD_FAILURE() << "seed=" << BaseSeed() << " " << context << "\n  " << what;
    }
    return false;
  }
  bool TooManyFailures() const { return failures_ >= kMaxReportedFailures; }

  static tzdb::ZoneDatabase* db_;
  int failures_ = 0;
};
tzdb::ZoneDatabase* CronPropertyTest::db_ = nullptr;

// ---------------------------------------------------------------------------------------------
// Parsing: what the generator meant is what the parser built.

TEST_F(CronPropertyTest, GeneratedExpressionsParseToTheirFields) {
  ExpressionGenerator generator(BaseSeed());
  const int total = Scaled(3000);
  int accepted = 0;
  int never_fires = 0;
  // Wrongly refused expressions are counted apart (a few shown) so that one parser bug does not
  // stop the field checks below from running over every case.
  std::vector<std::string> wrongly_rejected;
  for (int i = 0; i < total && !TooManyFailures(); ++i) {
    const GeneratedExpression generated = generator.Generate();
    const std::string context = "case " + std::to_string(i) + " \"" + generated.text + "\"";
    auto parsed = CronExpression::Parse(generated.text, {.allow_seconds = true});
    if (!parsed.ok()) {
      if (parsed.status().message().find("never fires") != std::string::npos) {
        ++never_fires;
      } else {
        wrongly_rejected.push_back(context + ": " + parsed.status().message());
      }
      continue;
    }
    ++accepted;
    const CronExpression& expr = *parsed;
    Check(expr.is_fixed_time() == generated.fixed_time, context, "is_fixed_time() differs");
    Check(expr.has_seconds() == generated.has_seconds, context, "has_seconds() differs");
    if (generated.is_macro) continue;
    const ReferenceMatcher reference(expr);
    Check(reference.fixed_time() == generated.fixed_time, context, "reference fixed_time");
    for (int k = 0; k < kFieldCount; ++k) {
      const auto kind = static_cast<FieldKind>(k);
      const GeneratedField& field = generated.fields[k];
      const std::string name(BoundsOf(kind).name);
      Check(expr.field(kind).bits == field.plain_bits, context, name + " bits differ");
      Check(reference.PlainBits(kind) == field.plain_bits, context, name + " reference bits");
      Check(expr.field(kind).wildcard == field.wildcard, context, name + " wildcard differs");
      Check(expr.field(kind).starts_with_star == (field.text.front() == '*'), context,
            name + " starts_with_star differs");
    }
  }
  std::string shown;
  for (size_t i = 0; i < wrongly_rejected.size() && i < 5; ++i) {
    shown += "\n  " + wrongly_rejected[i];
  }
  EXPECT_TRUE(wrongly_rejected.empty()) << "seed=" << BaseSeed() << ": " << wrongly_rejected.size()
                                        << " valid expressions rejected, e.g." << shown;
  // Guards the generator: most of what it writes must be usable.
  EXPECT_LT(never_fires, total / 10);
  EXPECT_GT(accepted, 0);
}

// Found by the generator: a step over a range written with a name that contains 'L' or 'W' (JUL,
// WED) is refused, as if the name were the L/W/# syntax.
TEST_F(CronPropertyTest, StepsOverNamedRangesParse) {
  for (const char* text : {"0 0 * JUL-DEC/2 *", "0 0 * jul-12/3 *", "0 0 * * MON-WED/2",
                           "0 0 * * wed-6/2", "0 0 * * 0-Wed/3"}) {
    auto parsed = CronExpression::Parse(text);
    EXPECT_TRUE(parsed.ok()) << text << ": " << parsed.status().message();
  }
  auto months = CronExpression::Parse("0 0 * JUL-DEC/2 *");
  if (months.ok()) {
    EXPECT_EQ(months->field(FieldKind::kMonth).bits,
              (uint64_t{1} << 7) | (uint64_t{1} << 9) | (uint64_t{1} << 11));
  }
}

// ---------------------------------------------------------------------------------------------
// Day rules: every day of random months, compared with the reference's own L/W/#/OR logic.

TEST_F(CronPropertyTest, MatchesAgreesWithReferenceOnEveryDayOfRandomMonths) {
  ExpressionGenerator generator(BaseSeed() + 1);
  std::mt19937_64 rng(BaseSeed() + 1);
  const int total = Scaled(2000);
  for (int i = 0; i < total && !TooManyFailures(); ++i) {
    auto [generated, expr] = ValidExpression(generator);
    const ReferenceMatcher reference(expr);
    // The earliest time of day the plain fields allow, so the day rule alone decides.
    const auto lowest = [&](FieldKind kind) { return std::countr_zero(reference.PlainBits(kind)); };
    const seconds time_of_day = hours(lowest(FieldKind::kHour)) +
                                minutes(lowest(FieldKind::kMinute)) +
                                seconds(lowest(FieldKind::kSecond));
    for (int m = 0; m < 6; ++m) {
      const int year = std::uniform_int_distribution<int>(2000, 2100)(rng);
      // Every other draw is February, where L, W, # and 29-31 are most interesting.
      const unsigned month = m % 2 == 0 ? 2 : std::uniform_int_distribution<unsigned>(1, 12)(rng);
      const std::chrono::year_month_day_last last{
          std::chrono::year{year}, std::chrono::month_day_last{std::chrono::month{month}}};
      for (unsigned d = 1; d <= unsigned(last.day()); ++d) {
        const LocalSeconds local =
            std::chrono::local_days{std::chrono::year{year} / std::chrono::month{month} /
                                    std::chrono::day{d}} +
            time_of_day;
        Check(expr.Matches(local) == reference.Matches(local),
              "case " + std::to_string(i) + " \"" + generated.text + "\" at " + IsoLocal(local),
              std::string("engine says ") + (expr.Matches(local) ? "match" : "no match"));
      }
    }
    // Random readings too, so the time-of-day fields are compared as well.
    for (int j = 0; j < 20; ++j) {
      const LocalSeconds local{kFirstInstant.time_since_epoch() +
                               seconds(std::uniform_int_distribution<int64_t>(
                                   0, (kLastInstant - kFirstInstant).count())(rng))};
      Check(expr.Matches(local) == reference.Matches(local),
            "case " + std::to_string(i) + " \"" + generated.text + "\" at " + IsoLocal(local),
            "Matches differs");
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Wall-clock search with no zone.

TEST_F(CronPropertyTest, NextLocalAndPrevLocalAgreeWithReference) {
  ExpressionGenerator generator(BaseSeed() + 2);
  std::mt19937_64 rng(BaseSeed() + 2);
  const int total = Scaled(300);
  for (int i = 0; i < total && !TooManyFailures(); ++i) {
    auto [generated, expr] = ValidExpression(generator);
    const ReferenceMatcher reference(expr);
    for (int j = 0; j < 3; ++j) {
      const Instant t = kFirstInstant + seconds(std::uniform_int_distribution<int64_t>(
                                            0, (kLastInstant - kFirstInstant).count())(rng));
      const LocalSeconds local{t.time_since_epoch()};
      const std::string context =
          "case " + std::to_string(i) + " \"" + generated.text + "\" from " + IsoLocal(local);
      // With UTC the reference's instants are wall-clock readings.
      const auto as_local = [](std::optional<Instant> u) -> std::optional<LocalSeconds> {
        if (!u) return std::nullopt;
        return LocalSeconds{u->time_since_epoch()};
      };
      const std::optional<LocalSeconds> want_next =
          as_local(reference.Next(t, UtcZone(), kHorizon));
      const std::optional<LocalSeconds> got_next = expr.NextLocal(local);
      if (want_next) {
        Check(got_next == want_next, context,
              "NextLocal: want " + IsoLocal(want_next) + ", got " + IsoLocal(got_next));
      }
      const std::optional<LocalSeconds> want_prev =
          as_local(reference.Prev(t, UtcZone(), kHorizon));
      const std::optional<LocalSeconds> got_prev = expr.PrevLocal(local);
      if (want_prev) {
        Check(got_prev == want_prev, context,
              "PrevLocal: want " + IsoLocal(want_prev) + ", got " + IsoLocal(got_prev));
      }
      if (got_next) Check(expr.Matches(*got_next), context, "NextLocal result does not match");
      if (got_prev) Check(expr.Matches(*got_prev), context, "PrevLocal result does not match");
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Zoned search, one suite per zone.

class CronZonePropertyTest : public CronPropertyTest,
                             public ::testing::WithParamInterface<const char*> {
 protected:
  int64_t Uniform(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
  }

  // Some instants are whole minutes, a second before one, or fire times themselves, so the
  // "strictly after/before" boundaries get hit.
  Instant Shape(Instant t, const TimeZone& zone, const ReferenceMatcher& reference) {
    const int64_t shape = Uniform(0, 9);
    if (shape < 3) t = std::chrono::floor<minutes>(t);
    if (shape == 3) t = std::chrono::floor<minutes>(t) - seconds(1);
    if (shape == 4) {
      if (std::optional<Instant> fire = reference.Next(t, zone, kHorizon)) t = *fire;
    }
    return t;
  }

  // A random instant in 2000-2100: half uniform, half within hours of an offset change.
  Instant RandomInstant(const TimeZone& zone, const ReferenceMatcher& reference) {
    Instant t = kFirstInstant + seconds(Uniform(0, (kLastInstant - kFirstInstant).count()));
    if (Uniform(0, 1) == 0) {
      const ZoneSegment segment = zone.SegmentAt(t);
      if (segment.end < kLastInstant) t = segment.end + seconds(Uniform(-4 * 3600, 4 * 3600));
    }
    return Shape(t, zone, reference);
  }

  // An offset change of the zone in 2000-2100 near a random instant, if it has any.
  std::optional<Instant> RandomTransition(const TimeZone& zone) {
    const Instant t = kFirstInstant + seconds(Uniform(0, (kLastInstant - kFirstInstant).count()));
    const ZoneSegment segment = zone.SegmentAt(t);
    if (segment.end < kLastInstant) return segment.end;
    if (segment.begin > kFirstInstant) return segment.begin;
    return std::nullopt;
  }

  // An expression aimed at a reading near a transition: fixed-time or wildcard, 5 or 6 fields,
  // sometimes restricted to that day.
  std::string AimedExpression(LocalSeconds reading) {
    const auto midnight = std::chrono::floor<days>(reading);
    const std::chrono::year_month_day ymd{midnight};
    const int64_t tod = (reading - midnight).count();
    const std::string h = std::to_string(tod / 3600);
    const std::string m = std::to_string(tod / 60 % 60);
    const std::string s = std::to_string(tod % 60);
    // Day-of-month, month and day-of-week: any day, or only the reading's day.
    std::string day_fields = "* * *";
    const int64_t day_shape = Uniform(0, 5);
    if (day_shape == 0) day_fields = std::to_string(unsigned(ymd.day())) + " * *";
    if (day_shape == 1) {
      day_fields = "* * " + std::to_string(std::chrono::weekday{midnight}.c_encoding());
    }
    const std::string step = "/" + std::to_string(Uniform(1, 30));
    switch (Uniform(0, 7)) {
      case 0:
        return m + " " + h + " " + day_fields;
      case 1:
        return m + "," + std::to_string((tod / 60 + 30) % 60) + " " + h + " " + day_fields;
      case 2:
        return m + " " + h + "," + std::to_string((tod / 3600 + 1) % 24) + " " + day_fields;
      case 3:
        return "*" + step + " " + h + " " + day_fields;
      case 4:
        return m + " * " + day_fields;
      case 5:
        return s + " " + m + " " + h + " " + day_fields;
      case 6:
        return "*" + step + " " + m + " " + h + " " + day_fields;
      default:
        return m + "-59" + step + " " + h + " " + day_fields;
    }
  }

  // Everything one (expression, zone, instant) case must satisfy.
  void CheckCase(const CronExpression& expr, const ReferenceMatcher& reference,
                 const TimeZone& zone, Instant t, const std::string& context) {
    const std::optional<Instant> next = expr.Next(t, zone);
    const std::optional<Instant> want_next = reference.Next(t, zone, kHorizon);
    if (want_next) {
      Check(next == want_next, context, "Next: want " + Iso(want_next) + ", got " + Iso(next));
    } else {
      Check(!next || *next > t + kHorizon, context, "Next: reference finds none, got " + Iso(next));
    }
    const std::optional<Instant> prev = expr.Prev(t, zone);
    const std::optional<Instant> want_prev = reference.Prev(t, zone, kHorizon);
    if (want_prev) {
      Check(prev == want_prev, context, "Prev: want " + Iso(want_prev) + ", got " + Iso(prev));
    } else {
      Check(!prev || *prev < t - kHorizon, context, "Prev: reference finds none, got " + Iso(prev));
    }

    // Next and Prev must describe one set of fire times. Prev(Next(t)) is the last fire at or
    // before t, which is Prev(t + 1s); Next(Prev(t)) is the first at or after t: Next(t - 1s).
    if (next) {
      Check(*next > t, context, "Next is not after t: " + Iso(next));
      const std::optional<Instant> back = expr.Prev(*next, zone);
      const std::optional<Instant> last = expr.Prev(t + seconds(1), zone);
      Check(back == last, context,
            "Prev(Next(t)) = " + Iso(back) + " but Prev(t+1s) = " + Iso(last));
      Check(!back || *back <= t, context, "Prev(Next(t)) is after t: " + Iso(back));
    }
    if (prev) {
      Check(*prev < t, context, "Prev is not before t: " + Iso(prev));
      const std::optional<Instant> forth = expr.Next(*prev, zone);
      const std::optional<Instant> first = expr.Next(t - seconds(1), zone);
      Check(forth == first, context,
            "Next(Prev(t)) = " + Iso(forth) + " but Next(t-1s) = " + Iso(first));
      Check(!forth || *forth >= t, context, "Next(Prev(t)) is before t: " + Iso(forth));
    }

    // Upcoming is the chain of Next, strictly increasing, and Prev walks it back.
    const std::vector<Instant> upcoming = expr.Upcoming(t, zone, 5);
    Check(!upcoming.empty() == next.has_value(), context, "Upcoming empty differs from Next");
    if (!upcoming.empty()) Check(upcoming.front() == next, context, "Upcoming[0] != Next");
    for (size_t k = 1; k < upcoming.size(); ++k) {
      const std::string at = "Upcoming[" + std::to_string(k) + "] = " + Iso(upcoming[k]);
      Check(upcoming[k] > upcoming[k - 1], context, at + " not increasing");
      Check(expr.Next(upcoming[k - 1], zone) == upcoming[k], context, at + " != Next(prev)");
      Check(expr.Prev(upcoming[k], zone) == upcoming[k - 1], context,
            at + ": Prev gives " + Iso(expr.Prev(upcoming[k], zone)));
      // A fixed-time expression fires each reading at most once, so its fires' readings rise.
      if (expr.is_fixed_time()) {
        Check(zone.ToLocal(upcoming[k]) > zone.ToLocal(upcoming[k - 1]), context,
              at + ": fixed-time wall-clock readings do not rise");
      }
    }
    // A fire shows a matching reading, unless it is the first instant after a skipped one.
    for (Instant fire : upcoming) {
      const ZoneSegment segment = zone.SegmentAt(fire);
      const bool after_gap = expr.is_fixed_time() && segment.begin == fire &&
                             zone.SegmentAt(fire - seconds(1)).offset < segment.offset;
      Check(after_gap || expr.Matches(zone.ToLocal(fire)), context,
            "fire " + Iso(fire) + " shows a reading that does not match");
    }
  }

  std::mt19937_64 rng_{BaseSeed() + 3};
};

TEST_P(CronZonePropertyTest, NextAndPrevAgreeWithReferenceAndWithEachOther) {
  const TimeZone& zone = Zone(GetParam());
  ExpressionGenerator generator(BaseSeed() + 3);
  const int total = Scaled(200);
  for (int i = 0; i < total && !TooManyFailures(); ++i) {
    auto [generated, expr] = ValidExpression(generator);
    const ReferenceMatcher reference(expr);
    for (int j = 0; j < 4 && !TooManyFailures(); ++j) {
      const Instant t = RandomInstant(zone, reference);
      CheckCase(expr, reference, zone, t,
                "case " + std::to_string(i) + "." + std::to_string(j) + " \"" + generated.text +
                    "\" in " + zone.name() + " at " + Iso(t));
    }
  }
}

// Random grammar rarely lands exactly in a gap or an overlap; these expressions aim there.
TEST_P(CronZonePropertyTest, ExpressionsAimedAtTransitionsAgreeWithReference) {
  const TimeZone& zone = Zone(GetParam());
  rng_.seed(BaseSeed() + 5);
  if (!RandomTransition(zone)) GTEST_SKIP() << zone.name() << " has no transitions in 2000-2100";
  const int total = Scaled(2000);
  for (int i = 0; i < total && !TooManyFailures(); ++i) {
    const std::optional<Instant> transition = RandomTransition(zone);
    if (!transition) continue;
    const seconds before = zone.SegmentAt(*transition - seconds(1)).offset;
    const seconds after = zone.SegmentAt(*transition).offset;
    // Readings from an hour before the change to an hour after, covering gap or overlap.
    const LocalSeconds low = LocalSeconds{transition->time_since_epoch() + std::min(before, after)};
    const LocalSeconds reading =
        low - hours(1) + seconds(Uniform(0, 7200 + std::abs((after - before).count())));
    const std::string text = AimedExpression(reading);
    auto parsed = CronExpression::Parse(text, {.allow_seconds = true});
    if (!Check(parsed.ok(), "\"" + text + "\"", "rejected: " + parsed.status().message())) continue;
    const ReferenceMatcher reference(*parsed);
    Instant t = Shape(*transition + seconds(Uniform(-26 * 3600, 26 * 3600)), zone, reference);
    if (Uniform(0, 4) == 0) t = *transition + seconds(Uniform(-1, 1));
    CheckCase(*parsed, reference, zone, t,
              "aimed case " + std::to_string(i) + " \"" + text + "\" in " + zone.name() + " at " +
                  Iso(t));
  }
}

INSTANTIATE_TEST_SUITE_P(Zones, CronZonePropertyTest,
                         ::testing::Values("UTC", "America/New_York", "Europe/London",
                                           "Australia/Lord_Howe", "Pacific/Chatham",
                                           "America/Santiago", "Asia/Tehran", "Asia/Kolkata"),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           std::string name = info.param;
                           std::replace(name.begin(), name.end(), '/', '_');
                           return name;
                         });

// ---------------------------------------------------------------------------------------------
// Metamorphic: a zone with one offset behaves like that fixed offset.

TEST_F(CronPropertyTest, KolkataBehavesLikeAFixedOffset) {
  // Asia/Kolkata has kept +05:30 since 1945.
  const TimeZone& kolkata = Zone("Asia/Kolkata");
  const FixedOffsetZone fixed("+05:30", hours(5) + minutes(30));
  ExpressionGenerator generator(BaseSeed() + 4);
  std::mt19937_64 rng(BaseSeed() + 4);
  const int total = Scaled(500);
  for (int i = 0; i < total && !TooManyFailures(); ++i) {
    auto [generated, expr] = ValidExpression(generator);
    const Instant t = kFirstInstant + seconds(std::uniform_int_distribution<int64_t>(
                                          0, (kLastInstant - kFirstInstant).count())(rng));
    const std::string context =
        "case " + std::to_string(i) + " \"" + generated.text + "\" at " + Iso(t);
    Check(expr.Next(t, kolkata) == expr.Next(t, fixed), context, "Next differs");
    Check(expr.Prev(t, kolkata) == expr.Prev(t, fixed), context, "Prev differs");
    // And with a fixed offset every fire is the reading shifted by the offset.
    const std::optional<LocalSeconds> local = expr.NextLocal(fixed.ToLocal(t));
    const std::optional<Instant> next = expr.Next(t, fixed);
    Check(local.has_value() == next.has_value() &&
              (!local || next == Instant{local->time_since_epoch() - hours(5) - minutes(30)}),
          context, "Next in +05:30 is not NextLocal shifted");
  }
}

}  // namespace
}  // namespace backbeat::core::cron
