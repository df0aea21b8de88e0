#include "backbeat/app/admin_commands.hpp"

#include <cstdio>
#include <ostream>

#include "backbeat/app/files.hpp"
#include "backbeat/app/storage_factory.hpp"
#include "backbeat/app/system_clock.hpp"
#include "backbeat/core/task/uuid.hpp"
#include "backbeat/service/auth_service.hpp"
#include "backbeat/service/ids.hpp"

namespace backbeat::app {
namespace {

struct Opened {
  std::unique_ptr<storage::Storage> storage;
  std::string secret;
};

// Opens the database and reads (or creates) the server secret beside it.
std::optional<Opened> Open(const AdminContext& ctx) {
  auto location = ParseDatabaseUrl(ctx.db);
  if (!location.ok()) {
    ctx.err << location.status().message() << "\n";
    return std::nullopt;
  }
  auto storage = OpenStorage(*location);
  if (!storage.ok()) {
    ctx.err << "cannot open the database: " << storage.status().message() << "\n";
    return std::nullopt;
  }
  service::RandomIdSource ids;
  std::string path =
      ctx.secret_file.empty() ? location->directory + "/backbeat.secret" : ctx.secret_file;
  auto secret = ReadOrCreateSecretFile(path, ids.NewToken(32) + "\n");
  if (!secret.ok()) {
    ctx.err << "cannot read the server secret: " << secret.status().message() << "\n";
    return std::nullopt;
  }
  return Opened{std::move(storage).value(), *secret};
}

int Report(const AdminContext& ctx, const core::Status& s) {
  if (s.ok()) return 0;
  ctx.err << s.message() << "\n";
  bool bad_input = s.code() == core::ErrorCode::kInvalidArgument ||
                   s.code() == core::ErrorCode::kNotFound ||
                   s.code() == core::ErrorCode::kAlreadyExists;
  return bad_input ? 2 : 1;
}

std::string Time(const std::optional<core::Millis>& t) {
  return t ? core::FormatIso8601(std::chrono::floor<std::chrono::seconds>(*t)) : "-";
}

}  // namespace

std::optional<long long> ParseDuration(const std::string& text) {
  if (text.size() < 2) return std::nullopt;
  long long unit = 0;
  switch (text.back()) {
    case 's':
      unit = 1;
      break;
    case 'm':
      unit = 60;
      break;
    case 'h':
      unit = 3600;
      break;
    case 'd':
      unit = 86400;
      break;
    default:
      return std::nullopt;
  }
  long long n = 0;
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9' || n > 1000000000) return std::nullopt;
    n = n * 10 + (text[i] - '0');
  }
  if (n <= 0) return std::nullopt;
  return n * unit;
}

int Migrate(const AdminContext& ctx) {
  auto location = ParseDatabaseUrl(ctx.db);
  if (!location.ok()) return Report(ctx, location.status());
  // Opening migrates, under the backend's lock, so running this beside live nodes is safe.
  auto storage = OpenStorage(*location, StorageOptions{.migrate = true});
  if (!storage.ok()) {
    ctx.err << "cannot migrate the database: " << storage.status().message() << "\n";
    return 1;
  }
  storage->reset();
  ctx.out << "database " << location->path << " is at this backbeat's schema version\n";
  return 0;
}

int CreateAccount(const AdminContext& ctx, const std::string& email, const std::string& name) {
  if (email.find('@') == std::string::npos || email.size() > 320) {
    return Report(ctx, core::InvalidArgument("invalid email \"" + email + "\""));
  }
  auto db = Open(ctx);
  if (!db) return 1;
  service::RandomIdSource ids;
  SystemClock clock;
  core::Account account{
      ids.NewUuid(), name.empty() ? email.substr(0, email.find('@')) : name, {email}, clock.Now()};
  if (int rc = Report(ctx, db->storage->accounts().CreateAccount(account)); rc != 0) return rc;
  ctx.out << account.id << "\n";
  return 0;
}

int CreateOrganization(const AdminContext& ctx, const std::string& name, bool admin) {
  if (name.empty()) return Report(ctx, core::InvalidArgument("organization name is empty"));
  auto db = Open(ctx);
  if (!db) return 1;
  service::RandomIdSource ids;
  SystemClock clock;
  core::Organization org{ids.NewUuid(), name, admin, clock.Now()};
  if (int rc = Report(ctx, db->storage->accounts().CreateOrganization(org)); rc != 0) return rc;
  ctx.out << org.id << "\n";
  return 0;
}

int AddMember(const AdminContext& ctx, const std::string& org, const std::string& account) {
  if (!core::IsValidUuid(org) || !core::IsValidUuid(account)) {
    return Report(ctx, core::InvalidArgument("organization and account must be UUIDs"));
  }
  auto db = Open(ctx);
  if (!db) return 1;
  return Report(ctx, db->storage->accounts().AddMember(core::CanonicalUuid(org),
                                                       core::CanonicalUuid(account)));
}

int CreateKey(const AdminContext& ctx, const std::string& account,
              const std::optional<std::string>& expires_in) {
  if (!core::IsValidUuid(account)) {
    return Report(ctx, core::InvalidArgument("--account must be a UUID"));
  }
  std::optional<long long> seconds;
  if (expires_in) {
    seconds = ParseDuration(*expires_in);
    if (!seconds) {
      return Report(ctx, core::InvalidArgument("--expires-in \"" + *expires_in +
                                               "\" is not a duration like 30d, 12h, 90m"));
    }
  }
  auto db = Open(ctx);
  if (!db) return 1;
  service::RandomIdSource ids;
  SystemClock clock;
  service::AuthService auth(db->storage->accounts(), clock, ids, db->secret);
  std::optional<core::Millis> expires_at;
  if (seconds) expires_at = clock.Now() + std::chrono::seconds(*seconds);
  auto minted = auth.MintKey(core::CanonicalUuid(account), expires_at);
  if (!minted.ok()) return Report(ctx, minted.status());
  // The key itself goes to stdout, once; everything else to stderr so scripts can capture it.
  ctx.out << minted->key << "\n";
  ctx.err << "key " << minted->stored.id << " for account " << minted->stored.account_id
          << (expires_at ? " expires " + Time(expires_at) : std::string()) << "\n";
  return 0;
}

int RevokeKey(const AdminContext& ctx, const std::string& key_id) {
  auto db = Open(ctx);
  if (!db) return 1;
  SystemClock clock;
  return Report(ctx, db->storage->accounts().RevokeApiKey(key_id, clock.Now()));
}

int ListKeys(const AdminContext& ctx, const std::optional<std::string>& account) {
  auto db = Open(ctx);
  if (!db) return 1;
  std::optional<std::string> canonical;
  if (account) canonical = core::CanonicalUuid(*account);
  auto keys = db->storage->accounts().ListApiKeys(
      canonical ? std::optional<std::string_view>(*canonical) : std::nullopt);
  if (!keys.ok()) return Report(ctx, keys.status());
  char line[256];
  std::snprintf(line, sizeof line, "%-22s %-36s %-13s %-20s %-20s %s\n", "ID", "ACCOUNT", "PREFIX",
                "CREATED", "EXPIRES", "REVOKED");
  ctx.out << line;
  for (const core::ApiKey& k : *keys) {
    std::snprintf(line, sizeof line, "%-22s %-36s %-13s %-20s %-20s %s\n", k.id.c_str(),
                  k.account_id.c_str(), k.prefix.c_str(), Time(k.created_at).c_str(),
                  Time(k.expires_at).c_str(), Time(k.revoked_at).c_str());
    ctx.out << line;
  }
  return 0;
}

}  // namespace backbeat::app
