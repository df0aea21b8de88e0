#pragma once

#include <exception>
#include <new>
#include <string>
#include <string_view>

#include "backbeat/core/status.hpp"

namespace backbeat::http::dto {

// Runs a decoder and turns the only exceptions Boost.JSON, Boost.URL and the standard library
// throw here (allocation failures) into Internal errors: no exception crosses this layer.
template <typename Fn>
auto NoThrow(std::string_view what, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const std::bad_alloc&) {
    return core::Internal("out of memory while decoding the " + std::string(what));
  } catch (const std::exception& e) {
    return core::Internal("decoding the " + std::string(what) + " failed: " + e.what());
  }
}

}  // namespace backbeat::http::dto
