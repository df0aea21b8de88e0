#include "backbeat/storage/postgres/account_store.hpp"

#include <string>

#include "backbeat/storage/postgres/row_codec.hpp"

namespace backbeat::storage::postgres {
namespace {

using codec::FromMs;
using codec::OptMs;
using codec::ToMs;

core::Status AccountMissing(std::string_view id) {
  return core::NotFound("account " + std::string(id) + " not found");
}

constexpr std::string_view kOrgColumns = "id, name, is_admin, created_at_ms";
constexpr std::string_view kKeyColumns =
    "id, account_id, hash, prefix, created_at_ms, expires_at_ms, revoked_at_ms";

core::Organization ReadOrg(const Rows& r, int i) {
  return core::Organization{r.Text(i, 0), r.Text(i, 1), r.Bool(i, 2), FromMs(r.Int(i, 3))};
}

core::ApiKey ReadKey(const Rows& r, int i) {
  return core::ApiKey{r.Text(i, 0),        r.Text(i, 1),   r.Text(i, 2),  r.Text(i, 3),
                      FromMs(r.Int(i, 4)), OptMs(r, i, 5), OptMs(r, i, 6)};
}

// Accounts with their emails from one statement whose rows are (id, name, created_at_ms,
// email), one per email (email NULL for an account without any), grouped by account with the
// emails in position order.
std::vector<core::Account> ReadAccounts(const Rows& r) {
  std::vector<core::Account> out;
  for (int i = 0; i < r.size(); ++i) {
    std::string id = r.Text(i, 0);
    if (out.empty() || out.back().id != id) {
      out.push_back(core::Account{std::move(id), r.Text(i, 1), {}, FromMs(r.Int(i, 2))});
    }
    if (!r.IsNull(i, 3)) out.back().emails.push_back(r.Text(i, 3));
  }
  return out;
}

constexpr std::string_view kAccountsWithEmails =
    "SELECT a.id, a.name, a.created_at_ms, e.email FROM accounts a "
    "LEFT JOIN account_emails e ON e.account_id = a.id ";

}  // namespace

core::Status PostgresAccountStore::CreateAccount(const core::Account& account) {
  return pool_.InTransaction([&](Connection& c) -> core::Status {
    core::Result<Rows> inserted =
        c.Exec("INSERT INTO accounts (id, name, created_at_ms) VALUES ($1, $2, $3)",
               Params().Text(account.id).Text(account.name).Int(ToMs(account.created_at)));
    if (inserted.status().code() == core::ErrorCode::kAlreadyExists) {
      return core::AlreadyExists("account " + account.id + " already exists");
    }
    if (!inserted.ok()) return inserted.status();
    // One statement per email, so that a clash names the email as it was given.
    for (size_t i = 0; i < account.emails.size(); ++i) {
      core::Result<Rows> email =
          c.Exec("INSERT INTO account_emails (account_id, position, email) VALUES ($1, $2, $3)",
                 Params().Text(account.id).Int(static_cast<int64_t>(i)).Text(account.emails[i]));
      if (email.status().code() == core::ErrorCode::kAlreadyExists) {
        return core::AlreadyExists("email " + account.emails[i] + " is already taken");
      }
      if (!email.ok()) return email.status();
    }
    return core::Status::Ok();
  });
}

core::Result<core::Account> PostgresAccountStore::GetAccount(std::string_view id) {
  static const std::string kSql =
      std::string(kAccountsWithEmails) + "WHERE a.id = $1 ORDER BY e.position";
  return pool_.Run([&](Connection& c) -> core::Result<core::Account> {
    core::Result<Rows> r = c.Exec(kSql, Params().Text(id));
    if (!r.ok()) return r.status();
    std::vector<core::Account> accounts = ReadAccounts(*r);
    if (accounts.empty()) return AccountMissing(id);
    return std::move(accounts.front());
  });
}

core::Result<std::vector<core::Account>> PostgresAccountStore::ListAccounts() {
  static const std::string kSql =
      std::string(kAccountsWithEmails) + "ORDER BY a.created_at_ms, a.id, e.position";
  return pool_.Run([&](Connection& c) -> core::Result<std::vector<core::Account>> {
    core::Result<Rows> r = c.Exec(kSql);
    if (!r.ok()) return r.status();
    return ReadAccounts(*r);
  });
}

core::Status PostgresAccountStore::CreateOrganization(const core::Organization& org) {
  return pool_.Run([&](Connection& c) -> core::Status {
    core::Result<Rows> r = c.Exec(
        "INSERT INTO organizations (id, name, is_admin, created_at_ms) VALUES ($1, $2, $3, $4)",
        Params().Text(org.id).Text(org.name).Bool(org.is_admin).Int(ToMs(org.created_at)));
    if (r.status().code() == core::ErrorCode::kAlreadyExists) {
      if (r.status().message().find("organizations_name_unique") != std::string::npos) {
        return core::AlreadyExists("organization name " + org.name + " is already taken");
      }
      return core::AlreadyExists("organization " + org.id + " already exists");
    }
    return r.status();
  });
}

core::Result<core::Organization> PostgresAccountStore::GetOrganization(std::string_view id) {
  static const std::string kSql =
      "SELECT " + std::string(kOrgColumns) + " FROM organizations WHERE id = $1";
  return pool_.Run([&](Connection& c) -> core::Result<core::Organization> {
    core::Result<Rows> r = c.Exec(kSql, Params().Text(id));
    if (!r.ok()) return r.status();
    if (r->empty()) return core::NotFound("organization " + std::string(id) + " not found");
    return ReadOrg(*r, 0);
  });
}

core::Result<std::vector<core::Organization>> PostgresAccountStore::ListOrganizations() {
  static const std::string kSql =
      "SELECT " + std::string(kOrgColumns) + " FROM organizations ORDER BY created_at_ms, id";
  return pool_.Run([&](Connection& c) -> core::Result<std::vector<core::Organization>> {
    core::Result<Rows> r = c.Exec(kSql);
    if (!r.ok()) return r.status();
    std::vector<core::Organization> out;
    for (int i = 0; i < r->size(); ++i) out.push_back(ReadOrg(*r, i));
    return out;
  });
}

core::Status PostgresAccountStore::AddMember(std::string_view org_id, std::string_view account_id) {
  return pool_.Run([&](Connection& c) -> core::Status {
    // One statement: the membership is inserted only when both sides exist (the foreign keys
    // guard against a concurrent delete); the two flags say which one is missing otherwise.
    core::Result<Rows> r = c.Exec(
        "WITH o AS (SELECT EXISTS (SELECT 1 FROM organizations WHERE id = $1) AS found), "
        "a AS (SELECT EXISTS (SELECT 1 FROM accounts WHERE id = $2) AS found), "
        "i AS (INSERT INTO memberships (org_id, account_id) SELECT $1, $2 FROM o, a "
        "WHERE o.found AND a.found ON CONFLICT DO NOTHING) "
        "SELECT o.found, a.found FROM o, a",
        Params().Text(org_id).Text(account_id));
    if (!r.ok()) return r.status();
    if (!r->Bool(0, 0)) return core::NotFound("organization " + std::string(org_id) + " not found");
    if (!r->Bool(0, 1)) return AccountMissing(account_id);
    return core::Status::Ok();
  });
}

core::Result<core::Principal> PostgresAccountStore::PrincipalFor(std::string_view account_id) {
  return pool_.Run([&](Connection& c) -> core::Result<core::Principal> {
    // The scope (the account itself, if it exists, and everyone sharing an organization with
    // it), deduplicated and in byte order by UNION and ORDER BY, each row with the admin flag.
    core::Result<Rows> r = c.Exec(
        "SELECT s.account_id, EXISTS (SELECT 1 FROM memberships m "
        "JOIN organizations o ON o.id = m.org_id WHERE m.account_id = $1 AND o.is_admin) "
        "FROM (SELECT id AS account_id FROM accounts WHERE id = $1 "
        "UNION SELECT other.account_id FROM memberships mine "
        "JOIN memberships other ON other.org_id = mine.org_id WHERE mine.account_id = $1) s "
        "ORDER BY 1",
        Params().Text(account_id));
    if (!r.ok()) return r.status();
    if (r->empty()) return AccountMissing(account_id);
    core::Principal p;
    p.account_id = std::string(account_id);
    p.is_admin = r->Bool(0, 1);
    for (int i = 0; i < r->size(); ++i) p.scope.push_back(r->Text(i, 0));
    return p;
  });
}

core::Status PostgresAccountStore::CreateApiKey(const core::ApiKey& key) {
  static const std::string kSql = "INSERT INTO api_keys (" + std::string(kKeyColumns) +
                                  ") SELECT $1, $2, $3, $4, $5::bigint, $6::bigint, $7::bigint "
                                  "WHERE EXISTS (SELECT 1 FROM accounts WHERE id = $2)";
  return pool_.Run([&](Connection& c) -> core::Status {
    core::Result<Rows> r = c.Exec(kSql, Params()
                                            .Text(key.id)
                                            .Text(key.account_id)
                                            .Text(key.hash)
                                            .Text(key.prefix)
                                            .Int(ToMs(key.created_at))
                                            .OptInt(ToMs(key.expires_at))
                                            .OptInt(ToMs(key.revoked_at)));
    if (r.status().code() == core::ErrorCode::kAlreadyExists) {
      if (r.status().message().find("api_keys_hash_unique") != std::string::npos) {
        return core::AlreadyExists("an api key with this hash already exists");
      }
      return core::AlreadyExists("api key " + key.id + " already exists");
    }
    // The account went away between the check and the insert.
    if (r.status().code() == core::ErrorCode::kFailedPrecondition) {
      return AccountMissing(key.account_id);
    }
    if (!r.ok()) return r.status();
    if (r->Affected() == 0) return AccountMissing(key.account_id);
    return core::Status::Ok();
  });
}

core::Result<core::ApiKey> PostgresAccountStore::FindApiKeyByHash(std::string_view hash) {
  static const std::string kSql =
      "SELECT " + std::string(kKeyColumns) + " FROM api_keys WHERE hash = $1";
  return pool_.Run([&](Connection& c) -> core::Result<core::ApiKey> {
    core::Result<Rows> r = c.Exec(kSql, Params().Text(hash));
    if (!r.ok()) return r.status();
    if (r->empty()) return core::NotFound("api key not found");
    return ReadKey(*r, 0);
  });
}

core::Result<std::vector<core::ApiKey>> PostgresAccountStore::ListApiKeys(
    std::optional<std::string_view> account_id) {
  static const std::string kAll =
      "SELECT " + std::string(kKeyColumns) + " FROM api_keys ORDER BY created_at_ms, id";
  static const std::string kOne = "SELECT " + std::string(kKeyColumns) +
                                  " FROM api_keys WHERE account_id = $1 "
                                  "ORDER BY created_at_ms, id";
  return pool_.Run([&](Connection& c) -> core::Result<std::vector<core::ApiKey>> {
    core::Result<Rows> r = account_id ? c.Exec(kOne, Params().Text(*account_id)) : c.Exec(kAll);
    if (!r.ok()) return r.status();
    std::vector<core::ApiKey> out;
    for (int i = 0; i < r->size(); ++i) out.push_back(ReadKey(*r, i));
    return out;
  });
}

core::Status PostgresAccountStore::RevokeApiKey(std::string_view id, core::Millis at) {
  return pool_.Run([&](Connection& c) -> core::Status {
    // coalesce keeps the first revocation time: revoking twice is harmless.
    core::Result<Rows> r =
        c.Exec("UPDATE api_keys SET revoked_at_ms = coalesce(revoked_at_ms, $2) WHERE id = $1",
               Params().Text(id).Int(ToMs(at)));
    if (!r.ok()) return r.status();
    if (r->Affected() == 0) return core::NotFound("api key " + std::string(id) + " not found");
    return core::Status::Ok();
  });
}

}  // namespace backbeat::storage::postgres
