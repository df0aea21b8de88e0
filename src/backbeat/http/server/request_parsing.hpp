#pragma once

// How the transport turns bytes into Requests, shared by the connection loop (server.cpp) and
// ParseRequest (request_parsing.cpp), so that what tests and fuzzers feed to ParseRequest is
// parsed exactly as a connection's bytes are. Private to backbeat_http_server: it speaks Beast
// types, which nothing outside this directory sees.

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/system/error_code.hpp>
#include <string>
#include <string_view>

#include "backbeat/http/message.hpp"
#include "backbeat/http/server/server.hpp"

namespace backbeat::http::detail {

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;
using RequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

// An API.md section 1 error body with `message` in both keys (and, on a 400, the empty
// missing_fields of a problem that is the whole request's).
Response ErrorResponse(int status, std::string_view message);

// 128 random bits as 32 hex digits, for requests without a valid X-Request-Id.
std::string NewRequestId();

// Bounds a fresh parser (one per request) by the options' limits.
void ApplyLimits(RequestParser& parser, const ServerOptions& options);

// The Handler's view of a parsed request: lowercase header names, the request id taken from
// X-Request-Id when it is 1-64 characters of [A-Za-z0-9._-], else a new one. Moves the body out.
Request ToRequest(BeastRequest& beast_request, const std::string& remote_address);

// Whether a read error is a request the transport answers. A client that left or stalled (eof,
// partial message, timeout, reset) is not answered: nobody is there to read it, or it would only
// feed a slow client.
bool IsAnswerableParseError(const boost::system::error_code& ec);

// The answer to a request the parser refused (400, 413 or 431); the connection closes after it.
Response ParseErrorResponse(const boost::system::error_code& ec);

}  // namespace backbeat::http::detail
