#include "backbeat/http/dto/json_writer.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "backbeat/core/time/instant.hpp"

namespace backbeat::http::dto {
namespace {

namespace json = boost::json;

// What the writer must match: Boost.JSON's serializer on the same value.
std::string BoostText(const json::value& v) { return json::serialize(v); }

std::string WriteString(std::string_view s) {
  std::string out;
  JsonWriter(out).String(s);
  return out;
}

core::Millis Ms(int64_t ms) { return core::Millis(std::chrono::milliseconds(ms)); }

TEST(JsonWriterTest, EscapesEveryByteAsBoostJsonDoes) {
  for (int byte = 0; byte < 256; ++byte) {
    std::string s(1, static_cast<char>(byte));
    EXPECT_EQ(WriteString(s), BoostText(json::string(s))) << "byte " << byte;
  }
  // The rules spelled out, so that a change in Boost.JSON would show up here too.
  EXPECT_EQ(WriteString("\b\t\n\f\r"), R"("\b\t\n\f\r")");
  EXPECT_EQ(WriteString(std::string("\0\x01\x0b\x1f", 4)), R"("\u0000\u0001\u000b\u001f")");
  EXPECT_EQ(WriteString("\"\\"), R"("\"\\")");
  EXPECT_EQ(WriteString("/\x7f"), "\"/\x7f\"");
  EXPECT_EQ(WriteString("caf\xc3\xa9 \xf0\x9f\x98\x80"), "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"");
  EXPECT_EQ(WriteString("\xff\xed\xa0\x80"), "\"\xff\xed\xa0\x80\"");  // not UTF-8: copied
  EXPECT_EQ(WriteString(""), R"("")");
}

// The writer scans plain text 8 bytes at a time: every byte at every offset of a word, in strings
// on both sides of the length it escapes on the stack.
TEST(JsonWriterTest, EscapesEveryByteAtEveryOffset) {
  for (size_t length : {size_t{24}, size_t{64}, size_t{65}, size_t{200}}) {
    for (int byte = 0; byte < 256; ++byte) {
      for (size_t at = 0; at < 24; ++at) {
        std::string s(length, 'a');
        s[at] = static_cast<char>(byte);
        s[length - 1 - at] = static_cast<char>(byte);
        ASSERT_EQ(WriteString(s), BoostText(json::string(s))) << byte << " at " << at;
      }
    }
  }
}

TEST(JsonWriterTest, EscapesRunsOfPlainAndSpecialBytes) {
  std::string mixed;
  for (int i = 0; i < 300; ++i) {
    mixed += static_cast<char>(i % 128);
    if (i % 7 == 0) mixed += "plain text between";
  }
  EXPECT_EQ(WriteString(mixed), BoostText(json::string(mixed)));
}

TEST(JsonWriterTest, NumbersAsBoostJsonWritesThem) {
  for (int64_t i : {int64_t{0}, int64_t{-1}, int64_t{42}, std::numeric_limits<int64_t>::min(),
                    std::numeric_limits<int64_t>::max()}) {
    std::string out;
    JsonWriter(out).Int(i);
    EXPECT_EQ(out, BoostText(i));
  }
  for (double d : {0.0, -0.0, 1.5, -1.5, 0.1, 1e20, 1e-7, 123.456, 9007199254740993.0,
                   std::numeric_limits<double>::max(), std::numeric_limits<double>::min(),
                   std::numeric_limits<double>::denorm_min()}) {
    std::string out;
    JsonWriter(out).Double(d);
    EXPECT_EQ(out, BoostText(d)) << d;
  }
  std::string out;
  JsonWriter(out).Double(1.5);
  EXPECT_EQ(out, "1.5E0");
  for (double d : {std::nan(""), std::numeric_limits<double>::infinity(),
                   -std::numeric_limits<double>::infinity()}) {
    out.clear();
    JsonWriter(out).Double(d);
    EXPECT_EQ(out, "null") << d;
  }
}

TEST(JsonWriterTest, TimestampsAreCoresText) {
  constexpr int64_t kDay = 86'400'000;
  // Year 0 to 9999 on the writer's own path, and beyond both ends on core's.
  constexpr int64_t kFirst = -62'167'219'200'000 - 400 * kDay;
  constexpr int64_t kLast = 253'402'300'799'999 + 400 * kDay;
  auto expect_same = [](int64_t ms) {
    std::string out;
    JsonWriter(out).Timestamp(Ms(ms));
    ASSERT_EQ(out, "\"" + core::FormatIso8601Millis(Ms(ms)) + "\"") << ms;
  };
  // A prime stride, so times of day and milliseconds vary from step to step.
  for (int64_t ms = kFirst; ms <= kLast; ms += 1'000'000'007) expect_same(ms);
  for (int64_t ms :
       {int64_t{0}, int64_t{-1}, int64_t{1}, kDay - 1, -kDay, int64_t{951'782'400'000},
        int64_t{1'774'602'000'123}, int64_t{-62'167'219'200'000}, int64_t{-62'167'219'200'001},
        int64_t{253'402'300'799'999}, int64_t{253'402'300'800'000}}) {
    expect_same(ms);
  }
  std::string out;
  JsonWriter(out).Timestamp(Ms(1'774'602'000'123));
  EXPECT_EQ(out, R"("2026-03-27T09:00:00.123Z")");
}

TEST(JsonWriterTest, PlacesCommasInNestedValues) {
  std::string out;
  JsonWriter w(out);
  w.BeginObject();
  w.Key("a");
  w.BeginArray();
  w.EndArray();
  w.Key("b\n");
  w.BeginArray();
  w.Int(1);
  w.BeginObject();
  w.EndObject();
  w.BeginArray();
  w.Null();
  w.Bool(true);
  w.EndArray();
  w.String("x");
  w.EndArray();
  w.Key("c");
  w.BeginObject();
  w.Key("d");
  w.Bool(false);
  w.Key("e");
  w.Raw(R"({"raw":[1,2]})");
  w.EndObject();
  w.Key("f");
  w.BeginString();
  w.StringPiece("id\"");
  w.StringPiece(":");
  w.TimestampPiece(Ms(0));
  w.EndString();
  w.Key("g");
  w.Timestamp(Ms(1));
  w.EndObject();
  json::object expected{
      {"a", json::array{}},
      {"b\n", json::array{1, json::object{}, json::array{nullptr, true}, "x"}},
      {"c", json::object{{"d", false}, {"e", json::object{{"raw", json::array{1, 2}}}}}},
      {"f", "id\":1970-01-01T00:00:00.000Z"},
      {"g", "1970-01-01T00:00:00.001Z"}};
  EXPECT_EQ(out, BoostText(expected));
}

TEST(JsonWriterTest, AppendsToWhatIsThere) {
  std::string out = "prefix ";
  JsonWriter w(out);
  w.BeginArray();
  w.String("a");
  w.EndArray();
  EXPECT_EQ(out, R"(prefix ["a"])");
}

}  // namespace
}  // namespace backbeat::http::dto
