#include "backbeat/core/text/json_string.hpp"

#include <gtest/gtest.h>

#include <string>

namespace backbeat::core {
namespace {

std::string Json(std::string_view text) {
  std::string out = "x";  // appends, never replaces
  AppendJsonString(out, text);
  return out;
}

TEST(JsonStringTest, QuotesAndEscapesWhatJsonRequires) {
  EXPECT_EQ(Json(""), "x\"\"");
  EXPECT_EQ(Json("plain / text"), "x\"plain / text\"");
  EXPECT_EQ(Json("a\"b\\c"), "x\"a\\\"b\\\\c\"");
  EXPECT_EQ(Json("\n\r\t"), "x\"\\n\\r\\t\"");
  EXPECT_EQ(Json(std::string("\0\x01\x1f", 3)), "x\"\\u0000\\u0001\\u001f\"");
  EXPECT_EQ(Json("\x7f\xc3\xa9"), "x\"\x7f\xc3\xa9\"");  // DEL and UTF-8 as is
}

}  // namespace
}  // namespace backbeat::core
