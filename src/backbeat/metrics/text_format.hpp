#pragma once

#include <cstdint>
#include <string>
#include <string_view>

// The pieces of the Prometheus text exposition format, version 0.0.4, that Registry::Render
// puts together. Pure functions; they append to `out` and never throw except on allocation.
namespace backbeat::metrics {

// The Content-Type header value for a response carrying Registry::Render's text.
inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

// [a-zA-Z_:][a-zA-Z0-9_:]*
bool IsValidMetricName(std::string_view name);
// [a-zA-Z_][a-zA-Z0-9_]*, and not starting with "__" (reserved for Prometheus itself).
bool IsValidLabelName(std::string_view name);

// A sample value as Prometheus parses it: integral values below 2^63 in magnitude as plain
// integers ("42", "-3"), others in the shortest form that reads back exactly ("0.25", "1e+20"),
// and "+Inf", "-Inf", "NaN".
void AppendValue(std::string& out, double value);
void AppendValue(std::string& out, uint64_t value);

// A label value between its double quotes: backslash, double quote and newline escaped.
void AppendEscapedLabelValue(std::string& out, std::string_view value);
// A HELP docstring: backslash and newline escaped.
void AppendEscapedHelp(std::string& out, std::string_view help);

// "# HELP name help\n# TYPE name type\n".
void AppendHelpAndType(std::string& out, std::string_view name, std::string_view help,
                       std::string_view type);

// One sample line: `name``suffix`{`labels`} value\n, where `labels` is already rendered
// (`a="x",b="y"`) and the braces are left out when it is empty.
void AppendSample(std::string& out, std::string_view name, std::string_view suffix,
                  std::string_view labels, double value);
void AppendSample(std::string& out, std::string_view name, std::string_view suffix,
                  std::string_view labels, uint64_t value);

}  // namespace backbeat::metrics
