#include "backbeat/app/bootstrap.hpp"

#include "backbeat/app/files.hpp"

namespace backbeat::app {

core::Status BootstrapIfEmpty(storage::Storage& storage, service::AuthService& auth,
                              service::IdSource& ids, const core::Clock& clock,
                              const std::string& key_file, const JsonLog& log) {
  auto accounts = storage.accounts().ListAccounts();
  if (!accounts.ok()) return accounts.status();
  if (!accounts->empty()) return core::Status::Ok();

  core::Organization org{ids.NewUuid(), "admin", true, clock.Now()};
  if (core::Status s = storage.accounts().CreateOrganization(org); !s.ok()) return s;
  core::Account admin{ids.NewUuid(), "admin", {"admin@localhost"}, clock.Now()};
  if (core::Status s = storage.accounts().CreateAccount(admin); !s.ok()) return s;
  if (core::Status s = storage.accounts().AddMember(org.id, admin.id); !s.ok()) return s;
  auto key = auth.MintKey(admin.id, std::nullopt);
  if (!key.ok()) return key.status();
  if (core::Status s = WriteSecretFile(key_file, key->key + "\n"); !s.ok()) return s;
  log.Info("created the admin organization, account and API key",
           {{"account_id", admin.id}, {"key_file", key_file}});
  return core::Status::Ok();
}

}  // namespace backbeat::app
