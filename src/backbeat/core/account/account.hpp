#pragma once

#include <optional>
#include <string>
#include <vector>

#include "backbeat/core/time/instant.hpp"

namespace backbeat::core {

// An account: a user or an artist of the platform (API.md section 2).
struct Account {
  std::string id;  // lowercase UUID
  std::string name;
  std::vector<std::string> emails;  // the first is the primary email
  Millis created_at{};
  friend bool operator==(const Account&, const Account&) = default;
};

// A group of accounts that may act for one another. Members of the admin organization may
// act for every account.
struct Organization {
  std::string id;  // lowercase UUID
  std::string name;
  bool is_admin = false;
  Millis created_at{};
  friend bool operator==(const Organization&, const Organization&) = default;
};

// An API key as stored: never the key itself, only its keyed hash.
struct ApiKey {
  std::string id;          // "key_" + random token, shown in listings
  std::string account_id;  // the account the key acts as
  std::string hash;        // hex HMAC-SHA256 of the key under the server secret
  std::string prefix;      // the first characters of the key, to recognise it in listings
  Millis created_at{};
  std::optional<Millis> expires_at;
  std::optional<Millis> revoked_at;
  friend bool operator==(const ApiKey&, const ApiKey&) = default;
};

// Who is calling, once a key is verified, and whom they may act for.
struct Principal {
  std::string account_id;
  bool is_admin = false;
  // Accounts sharing an organization with the caller (the caller included).
  std::vector<std::string> scope;
  bool CanActFor(const std::string& account) const;
};

}  // namespace backbeat::core
