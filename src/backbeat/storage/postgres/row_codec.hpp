#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backbeat/core/time/instant.hpp"
#include "backbeat/storage/postgres/connection.hpp"

// Conversions between core values and PostgreSQL columns, shared by the postgres stores.
namespace backbeat::storage::postgres {

// First keys of the two-key advisory locks this backend takes (the second key is a hash of
// what is locked), so that its locks never collide with another application's.
inline constexpr int32_t kMigrationLockKey = 0x62626d67;     // "bbmg": one schema's migrations
inline constexpr int32_t kAccountClaimLockKey = 0x62626163;  // "bbac": claims for one account
inline constexpr int32_t kManualRunLockKey = 0x62626d72;     // "bbmr": manual runs of one task

namespace codec {

inline int64_t ToMs(core::Millis t) { return t.time_since_epoch().count(); }
inline core::Millis FromMs(int64_t ms) { return core::Millis{std::chrono::milliseconds{ms}}; }
inline int64_t ToS(core::Instant t) { return t.time_since_epoch().count(); }
inline core::Instant FromS(int64_t s) { return core::Instant{std::chrono::seconds{s}}; }

inline std::optional<int64_t> ToMs(const std::optional<core::Millis>& t) {
  if (!t) return std::nullopt;
  return ToMs(*t);
}
inline std::optional<int64_t> ToS(const std::optional<core::Instant>& t) {
  if (!t) return std::nullopt;
  return ToS(*t);
}
inline std::optional<core::Millis> OptMs(const Rows& rows, int row, int column) {
  std::optional<int64_t> v = rows.OptInt(row, column);
  if (!v) return std::nullopt;
  return FromMs(*v);
}

inline int64_t LimitParam(size_t limit) {
  constexpr auto kMax = static_cast<size_t>(INT64_MAX);
  return static_cast<int64_t>(limit > kMax ? kMax : limit);
}

// A WHERE clause assembled from optional filters. Only fixed SQL fragments go into the text,
// with `?` where a value goes; each `?` becomes the next $n and its value the next parameter.
// The SQL text depends only on which filters are present, so few statements get prepared.
class Filter {
 public:
  // Appends " AND <clause>"; `add` appends the clause's values, one per `?`, to the params.
  template <typename AddFn>
  void And(std::string_view clause, AddFn add) {
    sql_ += " AND ";
    for (char c : clause) {
      if (c == '?') {
        sql_ += '$' + std::to_string(++count_);
      } else {
        sql_ += c;
      }
    }
    add(params_);
  }
  // `TRUE` so that every filter can start with AND.
  std::string Sql() const { return " WHERE TRUE" + sql_; }
  // The next parameter's placeholder (for LIMIT), counting it as used.
  std::string Next() { return '$' + std::to_string(++count_); }
  Params& params() { return params_; }

 private:
  std::string sql_;
  int count_ = 0;
  Params params_;
};

// Adds the "owned by one of these accounts" filter: one account is an equality, so the
// (account_id, created_at, id) index serves the order; several travel as one array parameter.
inline void AccountFilter(Filter& filter, const std::vector<std::string>& account_ids) {
  if (account_ids.size() == 1) {
    filter.And("account_id = ?", [&](Params& p) { p.Text(account_ids.front()); });
  } else {
    filter.And("account_id = ANY(?::text[])", [&](Params& p) { p.TextArray(account_ids); });
  }
}

}  // namespace codec
}  // namespace backbeat::storage::postgres
