#pragma once

#include <bit>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "backbeat/core/text/json_string.hpp"
#include "backbeat/core/time/instant.hpp"
#include "backbeat/storage/sqlite/connection.hpp"

// Conversions between core values and SQLite columns, shared by the sqlite stores.
namespace backbeat::storage::sqlite::codec {

inline int64_t ToMs(core::Millis t) { return t.time_since_epoch().count(); }
inline core::Millis FromMs(int64_t ms) { return core::Millis{std::chrono::milliseconds{ms}}; }
inline int64_t ToS(core::Instant t) { return t.time_since_epoch().count(); }
inline core::Instant FromS(int64_t s) { return core::Instant{std::chrono::seconds{s}}; }

inline std::optional<int64_t> ToMs(const std::optional<core::Millis>& t) {
  if (!t) return std::nullopt;
  return ToMs(*t);
}
inline std::optional<core::Millis> OptMs(const Statement& s, int column) {
  std::optional<int64_t> v = s.OptInt(column);
  if (!v) return std::nullopt;
  return FromMs(*v);
}

// A WHERE clause assembled from optional filters. Only fixed SQL fragments with `?` go into
// the text; every value is bound, in order, by BindAll.
class Filter {
 public:
  // Appends " AND <clause>" where `clause` holds as many `?` as values are given.
  template <typename... V>
  void And(std::string_view clause, V... values) {
    sql_ += " AND ";
    sql_ += clause;
    (values_.emplace_back(std::move(values)), ...);
  }
  // Appends " AND <clause>" where `clause` holds one `?` per element of `values`.
  void AndList(std::string_view clause, std::vector<std::string> values) {
    sql_ += " AND ";
    sql_ += clause;
    for (std::string& v : values) values_.emplace_back(std::move(v));
  }
  // `1` so that every filter can start with AND.
  std::string Sql() const { return " WHERE 1" + sql_; }
  void BindAll(Statement& stmt) const {
    int index = 1;
    for (const auto& v : values_) {
      if (const auto* text = std::get_if<std::string>(&v)) {
        stmt.BindText(index++, *text);
      } else {
        stmt.BindInt(index++, std::get<int64_t>(v));
      }
    }
  }
  // Index of the next parameter to bind after BindAll (for LIMIT).
  int NextIndex() const { return static_cast<int>(values_.size()) + 1; }

 private:
  std::string sql_;
  std::vector<std::variant<std::string, int64_t>> values_;
};

// A JSON array of strings, for binding a list as one parameter (`IN (SELECT value FROM
// json_each(?))`) instead of splicing values into SQL.
inline std::string JsonStringArray(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    core::AppendJsonString(out, items[i]);
  }
  out += ']';
  return out;
}

// Adds the "owned by one of these accounts" filter. One account is an equality, so the
// (account_id, created_at, id) index serves the order. A few are bound one per `?` (any bytes
// survive, NUL included); the placeholder count is rounded up to a power of two, padding with
// the first id, so that at most a dozen SQL texts enter each connection's statement cache.
// Beyond kMaxInlineIds (SQLite limits parameters per statement) the list travels as one JSON
// array parameter, where ids containing NUL bytes would not match.
inline void AccountFilter(Filter& filter, const std::vector<std::string>& account_ids) {
  constexpr size_t kMaxInlineIds = 4096;
  if (account_ids.size() == 1) {
    filter.And("account_id = ?", account_ids.front());
    return;
  }
  if (account_ids.size() > kMaxInlineIds) {
    filter.And("account_id IN (SELECT value FROM json_each(?))", JsonStringArray(account_ids));
    return;
  }
  const size_t slots = std::bit_ceil(account_ids.size());
  std::string clause = "account_id IN (?";
  for (size_t i = 1; i < slots; ++i) clause += ", ?";
  clause += ")";
  std::vector<std::string> values = account_ids;
  values.resize(slots, account_ids.front());
  filter.AndList(clause, std::move(values));
}

inline int64_t LimitParam(size_t limit) {
  constexpr auto kMax = static_cast<size_t>(INT64_MAX);
  return static_cast<int64_t>(limit > kMax ? kMax : limit);
}

}  // namespace backbeat::storage::sqlite::codec
