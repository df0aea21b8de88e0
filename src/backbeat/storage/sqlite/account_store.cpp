#include "backbeat/storage/sqlite/account_store.hpp"

#include <string>
#include <unordered_map>

#include "backbeat/storage/sqlite/row_codec.hpp"

namespace backbeat::storage::sqlite {
namespace {

using codec::FromMs;
using codec::OptMs;
using codec::ToMs;

// Whether a row with this id exists, via a statement of the form "SELECT 1 FROM t WHERE id = ?1".
core::Result<bool> Exists(Connection& c, std::string_view sql, std::string_view id) {
  core::Result<Statement> s = c.Prepare(sql);
  if (!s.ok()) return s.status();
  s->BindText(1, id);
  return s->Step();
}

core::Status AccountMissing(std::string_view id) {
  return core::NotFound("account " + std::string(id) + " not found");
}

constexpr std::string_view kAccountExists = "SELECT 1 FROM accounts WHERE id = ?1";
constexpr std::string_view kOrgColumns = "id, name, is_admin, created_at_ms";
constexpr std::string_view kKeyColumns =
    "id, account_id, hash, prefix, created_at_ms, expires_at_ms, revoked_at_ms";

core::Organization ReadOrg(const Statement& s) {
  return core::Organization{s.Text(0), s.Text(1), s.Int(2) != 0, FromMs(s.Int(3))};
}

core::ApiKey ReadKey(const Statement& s) {
  return core::ApiKey{s.Text(0),        s.Text(1),   s.Text(2),  s.Text(3),
                      FromMs(s.Int(4)), OptMs(s, 5), OptMs(s, 6)};
}

// Runs `s` to completion, appending read(s) for every row.
template <typename T, typename ReadFn>
core::Status Collect(Statement& s, std::vector<T>& out, ReadFn read) {
  for (;;) {
    core::Result<bool> row = s.Step();
    if (!row.ok()) return row.status();
    if (!*row) return core::Status::Ok();
    out.push_back(read(s));
  }
}

}  // namespace

core::Status SqliteAccountStore::CreateAccount(const core::Account& account) {
  return writer_.Submit([&account](Connection& c) -> core::Status {
    {
      core::Result<Statement> s =
          c.Prepare("INSERT INTO accounts (id, name, created_at_ms) VALUES (?1, ?2, ?3)");
      if (!s.ok()) return s.status();
      s->BindText(1, account.id);
      s->BindText(2, account.name);
      s->BindInt(3, ToMs(account.created_at));
      core::Status st = s->Run();
      if (st.code() == core::ErrorCode::kAlreadyExists) {
        return core::AlreadyExists("account " + account.id + " already exists");
      }
      if (!st.ok()) return st;
    }
    for (size_t i = 0; i < account.emails.size(); ++i) {
      core::Result<Statement> s =
          c.Prepare("INSERT INTO account_emails (account_id, position, email) VALUES (?1, ?2, ?3)");
      if (!s.ok()) return s.status();
      s->BindText(1, account.id);
      s->BindInt(2, static_cast<int64_t>(i));
      s->BindText(3, account.emails[i]);
      core::Status st = s->Run();
      if (st.code() == core::ErrorCode::kAlreadyExists) {
        return core::AlreadyExists("email " + account.emails[i] + " is already taken");
      }
      if (!st.ok()) return st;
    }
    return core::Status::Ok();
  });
}

core::Result<core::Account> SqliteAccountStore::GetAccount(std::string_view id) {
  return readers_.Read([id](Connection& c) -> core::Result<core::Account> {
    core::Account account;
    {
      core::Result<Statement> s =
          c.Prepare("SELECT id, name, created_at_ms FROM accounts WHERE id = ?1");
      if (!s.ok()) return s.status();
      s->BindText(1, id);
      core::Result<bool> row = s->Step();
      if (!row.ok()) return row.status();
      if (!*row) return AccountMissing(id);
      account = core::Account{s->Text(0), s->Text(1), {}, FromMs(s->Int(2))};
    }
    core::Result<Statement> s =
        c.Prepare("SELECT email FROM account_emails WHERE account_id = ?1 ORDER BY position");
    if (!s.ok()) return s.status();
    s->BindText(1, id);
    if (core::Status st = Collect(*s, account.emails, [](const Statement& r) { return r.Text(0); });
        !st.ok()) {
      return st;
    }
    return account;
  });
}

core::Result<std::vector<core::Account>> SqliteAccountStore::ListAccounts() {
  return readers_.Read([](Connection& c) -> core::Result<std::vector<core::Account>> {
    std::vector<core::Account> accounts;
    {
      core::Result<Statement> s =
          c.Prepare("SELECT id, name, created_at_ms FROM accounts ORDER BY created_at_ms, id");
      if (!s.ok()) return s.status();
      core::Status st = Collect(*s, accounts, [](const Statement& r) {
        return core::Account{r.Text(0), r.Text(1), {}, FromMs(r.Int(2))};
      });
      if (!st.ok()) return st;
    }
    std::unordered_map<std::string, size_t> index;
    for (size_t i = 0; i < accounts.size(); ++i) index.emplace(accounts[i].id, i);
    core::Result<Statement> s =
        c.Prepare("SELECT account_id, email FROM account_emails ORDER BY account_id, position");
    if (!s.ok()) return s.status();
    for (;;) {
      core::Result<bool> row = s->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      auto it = index.find(s->Text(0));
      if (it != index.end()) accounts[it->second].emails.push_back(s->Text(1));
    }
    return accounts;
  });
}

core::Status SqliteAccountStore::CreateOrganization(const core::Organization& org) {
  return writer_.Submit([&org](Connection& c) -> core::Status {
    core::Result<Statement> s = c.Prepare(
        "INSERT INTO organizations (id, name, is_admin, created_at_ms) VALUES (?1, ?2, ?3, ?4)");
    if (!s.ok()) return s.status();
    s->BindText(1, org.id);
    s->BindText(2, org.name);
    s->BindInt(3, org.is_admin ? 1 : 0);
    s->BindInt(4, ToMs(org.created_at));
    core::Status st = s->Run();
    if (st.code() == core::ErrorCode::kAlreadyExists) {
      if (st.message().find("organizations.name") != std::string::npos) {
        return core::AlreadyExists("organization name " + org.name + " is already taken");
      }
      return core::AlreadyExists("organization " + org.id + " already exists");
    }
    return st;
  });
}

core::Result<core::Organization> SqliteAccountStore::GetOrganization(std::string_view id) {
  return readers_.Read([id](Connection& c) -> core::Result<core::Organization> {
    static const std::string kSql =
        "SELECT " + std::string(kOrgColumns) + " FROM organizations WHERE id = ?1";
    core::Result<Statement> s = c.Prepare(kSql);
    if (!s.ok()) return s.status();
    s->BindText(1, id);
    core::Result<bool> row = s->Step();
    if (!row.ok()) return row.status();
    if (!*row) return core::NotFound("organization " + std::string(id) + " not found");
    return ReadOrg(*s);
  });
}

core::Result<std::vector<core::Organization>> SqliteAccountStore::ListOrganizations() {
  return readers_.Read([](Connection& c) -> core::Result<std::vector<core::Organization>> {
    static const std::string kSql =
        "SELECT " + std::string(kOrgColumns) + " FROM organizations ORDER BY created_at_ms, id";
    core::Result<Statement> s = c.Prepare(kSql);
    if (!s.ok()) return s.status();
    std::vector<core::Organization> out;
    if (core::Status st = Collect(*s, out, ReadOrg); !st.ok()) return st;
    return out;
  });
}

core::Status SqliteAccountStore::AddMember(std::string_view org_id, std::string_view account_id) {
  return writer_.Submit([org_id, account_id](Connection& c) -> core::Status {
    core::Result<bool> org = Exists(c, "SELECT 1 FROM organizations WHERE id = ?1", org_id);
    if (!org.ok()) return org.status();
    if (!*org) return core::NotFound("organization " + std::string(org_id) + " not found");
    core::Result<bool> account = Exists(c, kAccountExists, account_id);
    if (!account.ok()) return account.status();
    if (!*account) return AccountMissing(account_id);
    core::Result<Statement> s = c.Prepare(
        "INSERT INTO memberships (org_id, account_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING");
    if (!s.ok()) return s.status();
    s->BindText(1, org_id);
    s->BindText(2, account_id);
    return s->Run();
  });
}

core::Result<core::Principal> SqliteAccountStore::PrincipalFor(std::string_view account_id) {
  return readers_.Read([account_id](Connection& c) -> core::Result<core::Principal> {
    core::Result<bool> exists = Exists(c, kAccountExists, account_id);
    if (!exists.ok()) return exists.status();
    if (!*exists) return AccountMissing(account_id);
    core::Principal p;
    p.account_id = std::string(account_id);
    {
      core::Result<Statement> s = c.Prepare(
          "SELECT EXISTS (SELECT 1 FROM memberships m JOIN organizations o ON o.id = m.org_id "
          "WHERE m.account_id = ?1 AND o.is_admin = 1)");
      if (!s.ok()) return s.status();
      s->BindText(1, account_id);
      core::Result<bool> row = s->Step();
      if (!row.ok()) return row.status();
      p.is_admin = s->Int(0) != 0;
    }
    // UNION deduplicates and, with ORDER BY, gives the same sorted scope as every backend.
    core::Result<Statement> s = c.Prepare(
        "SELECT other.account_id FROM memberships mine "
        "JOIN memberships other ON other.org_id = mine.org_id WHERE mine.account_id = ?1 "
        "UNION SELECT ?1 ORDER BY 1");
    if (!s.ok()) return s.status();
    s->BindText(1, account_id);
    if (core::Status st = Collect(*s, p.scope, [](const Statement& r) { return r.Text(0); });
        !st.ok()) {
      return st;
    }
    return p;
  });
}

core::Status SqliteAccountStore::CreateApiKey(const core::ApiKey& key) {
  return writer_.Submit([&key](Connection& c) -> core::Status {
    core::Result<bool> account = Exists(c, kAccountExists, key.account_id);
    if (!account.ok()) return account.status();
    if (!*account) return AccountMissing(key.account_id);
    static const std::string kSql = "INSERT INTO api_keys (" + std::string(kKeyColumns) +
                                    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
    core::Result<Statement> s = c.Prepare(kSql);
    if (!s.ok()) return s.status();
    s->BindText(1, key.id);
    s->BindText(2, key.account_id);
    s->BindText(3, key.hash);
    s->BindText(4, key.prefix);
    s->BindInt(5, ToMs(key.created_at));
    s->BindOptInt(6, ToMs(key.expires_at));
    s->BindOptInt(7, ToMs(key.revoked_at));
    core::Status st = s->Run();
    if (st.code() == core::ErrorCode::kAlreadyExists) {
      if (st.message().find("api_keys.hash") != std::string::npos) {
        return core::AlreadyExists("an api key with this hash already exists");
      }
      return core::AlreadyExists("api key " + key.id + " already exists");
    }
    return st;
  });
}

core::Result<core::ApiKey> SqliteAccountStore::FindApiKeyByHash(std::string_view hash) {
  return readers_.Read([hash](Connection& c) -> core::Result<core::ApiKey> {
    static const std::string kSql =
        "SELECT " + std::string(kKeyColumns) + " FROM api_keys WHERE hash = ?1";
    core::Result<Statement> s = c.Prepare(kSql);
    if (!s.ok()) return s.status();
    s->BindText(1, hash);
    core::Result<bool> row = s->Step();
    if (!row.ok()) return row.status();
    if (!*row) return core::NotFound("api key not found");
    return ReadKey(*s);
  });
}

core::Result<std::vector<core::ApiKey>> SqliteAccountStore::ListApiKeys(
    std::optional<std::string_view> account_id) {
  return readers_.Read([account_id](Connection& c) -> core::Result<std::vector<core::ApiKey>> {
    static const std::string kAll =
        "SELECT " + std::string(kKeyColumns) + " FROM api_keys ORDER BY created_at_ms, id";
    static const std::string kOne = "SELECT " + std::string(kKeyColumns) +
                                    " FROM api_keys WHERE account_id = ?1 "
                                    "ORDER BY created_at_ms, id";
    core::Result<Statement> s = c.Prepare(account_id ? kOne : kAll);
    if (!s.ok()) return s.status();
    if (account_id) s->BindText(1, *account_id);
    std::vector<core::ApiKey> out;
    if (core::Status st = Collect(*s, out, ReadKey); !st.ok()) return st;
    return out;
  });
}

core::Status SqliteAccountStore::RevokeApiKey(std::string_view id, core::Millis at) {
  return writer_.Submit([id, at](Connection& c) -> core::Status {
    // coalesce keeps the first revocation time: revoking twice is harmless.
    core::Result<Statement> s =
        c.Prepare("UPDATE api_keys SET revoked_at_ms = coalesce(revoked_at_ms, ?2) WHERE id = ?1");
    if (!s.ok()) return s.status();
    s->BindText(1, id);
    s->BindInt(2, ToMs(at));
    if (core::Status st = s->Run(); !st.ok()) return st;
    if (c.Changes() == 0) return core::NotFound("api key " + std::string(id) + " not found");
    return core::Status::Ok();
  });
}

}  // namespace backbeat::storage::sqlite
