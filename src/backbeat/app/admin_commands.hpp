#pragma once

#include <iosfwd>
#include <optional>
#include <string>

namespace backbeat::app {

// The administration commands, working directly on the database (API.md section 2). Each
// returns the process exit status: 0, 1 when the database fails, 2 for bad input.
struct AdminContext {
  std::string db;
  std::string secret_file;  // default: beside the database
  std::ostream& out;
  std::ostream& err;
};

// Opens the database with migrations on (creating a SQLite file that does not exist yet) and
// closes it: `backbeat migrate`, run once before rolling nodes started with --no-migrate.
int Migrate(const AdminContext& ctx);
int CreateAccount(const AdminContext& ctx, const std::string& email, const std::string& name);
int CreateOrganization(const AdminContext& ctx, const std::string& name, bool admin);
int AddMember(const AdminContext& ctx, const std::string& org, const std::string& account);
int CreateKey(const AdminContext& ctx, const std::string& account,
              const std::optional<std::string>& expires_in);
int RevokeKey(const AdminContext& ctx, const std::string& key_id);
int ListKeys(const AdminContext& ctx, const std::optional<std::string>& account);

// "30d", "12h", "90m", "45s" -> seconds; nullopt if malformed or not positive.
std::optional<long long> ParseDuration(const std::string& text);

}  // namespace backbeat::app
