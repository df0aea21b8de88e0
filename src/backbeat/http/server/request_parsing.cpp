#include "backbeat/http/server/request_parsing.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <cstdint>
#include <iterator>
#include <random>
#include <utility>

namespace backbeat::http {
namespace detail {
namespace {

namespace bhttp = boost::beast::http;

constexpr size_t kMaxRequestIdLength = 64;

constexpr std::string_view kMsgInvalidRequest = "Invalid HTTP request";
constexpr std::string_view kMsgBodyTooLarge = "Request body too large";
constexpr std::string_view kMsgHeadersTooLarge = "Request header fields too large";

std::string JsonEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

bool IsValidRequestId(std::string_view id) {
  if (id.empty() || id.size() > kMaxRequestIdLength) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string Lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

Response ErrorResponse(int status, std::string_view message) {
  Response response;
  response.status = status;
  const std::string escaped = JsonEscape(message);
  // API.md: every 400 carries missing_fields, [] when the problem is the whole request.
  response.body = R"({"status":"error","error":")" + escaped + R"(","message":")" + escaped +
                  (status == 400 ? R"(","missing_fields":[]})" : R"("})");
  return response;
}

// Unpredictability is not a security property here (ids only correlate logs), so a per-thread
// PRNG seeded from the OS is enough.
std::string NewRequestId() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(32, '0');
  for (size_t half = 0; half < 2; ++half) {
    uint64_t bits = engine();
    for (size_t i = 0; i < 16; ++i, bits >>= 4) id[half * 16 + i] = kHex[bits & 0xf];
  }
  return id;
}

void ApplyLimits(RequestParser& parser, const ServerOptions& options) {
  parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
  parser.body_limit(static_cast<std::uint64_t>(options.max_body_bytes));
}

Request ToRequest(BeastRequest& beast_request, const std::string& remote_address) {
  Request request;
  request.method = std::string(beast_request.method_string());
  request.target = std::string(beast_request.target());
  request.headers.reserve(
      static_cast<size_t>(std::distance(beast_request.begin(), beast_request.end())));
  for (const auto& field : beast_request) {
    request.headers.emplace_back(Lowercase(field.name_string()), std::string(field.value()));
  }
  request.body = std::move(beast_request.body());
  request.remote_address = remote_address;
  const std::string* incoming_id = request.Header("x-request-id");
  request.request_id =
      incoming_id != nullptr && IsValidRequestId(*incoming_id) ? *incoming_id : NewRequestId();
  return request;
}

bool IsAnswerableParseError(const boost::system::error_code& ec) {
  const auto& http_category = bhttp::make_error_code(bhttp::error::end_of_stream).category();
  return ec.category() == http_category && ec != bhttp::error::end_of_stream &&
         ec != bhttp::error::partial_message;
}

Response ParseErrorResponse(const boost::system::error_code& ec) {
  if (ec == bhttp::error::body_limit) return ErrorResponse(413, kMsgBodyTooLarge);
  if (ec == bhttp::error::header_limit) return ErrorResponse(431, kMsgHeadersTooLarge);
  return ErrorResponse(400, kMsgInvalidRequest);
}

}  // namespace detail

ParsedRequest ParseRequest(std::string_view bytes, const ServerOptions& options) {
  namespace bhttp = boost::beast::http;
  ParsedRequest out;
  detail::RequestParser parser;
  detail::ApplyLimits(parser, options);
  // As the connection's reads do: feed what is there, and on need_more offer the rest. Once
  // every byte is offered and the request is not done, the transport would wait for more (and
  // at end of stream close without an answer).
  size_t used = 0;
  boost::system::error_code ec;
  while (!parser.is_done()) {
    const std::string_view rest = bytes.substr(used);
    if (rest.empty()) return out;
    const size_t n = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
    used += n;
    if (ec == bhttp::error::need_more) {
      if (n == 0) return out;
      ec = {};
      continue;
    }
    if (ec) break;
    if (n == 0 && !parser.is_done()) return out;
  }
  if (ec) {
    if (!detail::IsAnswerableParseError(ec)) return out;
    out.outcome = ParsedRequest::Outcome::kRejected;
    out.rejection = detail::ParseErrorResponse(ec);
    return out;
  }
  detail::BeastRequest& beast_request = parser.get();
  out.outcome = ParsedRequest::Outcome::kRequest;
  out.keep_alive = beast_request.keep_alive();
  out.version = beast_request.version();
  out.consumed = used;
  out.request = detail::ToRequest(beast_request, "");
  return out;
}

}  // namespace backbeat::http
