#include "backbeat/app/bootstrap.hpp"

#include <chrono>
#include <thread>

#include "backbeat/app/files.hpp"

namespace backbeat::app {
namespace {

// Another node took the admin organization's name first: it creates the account next.
core::Status AwaitOtherBootstrap(storage::Storage& storage, const JsonLog& log) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    auto accounts = storage.accounts().ListAccounts();
    if (!accounts.ok()) return accounts.status();
    if (!accounts->empty()) {
      log.Info("another node created the admin organization, account and API key");
      return core::Status::Ok();
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return core::FailedPrecondition(
          "an \"admin\" organization exists but no account: an earlier first start stopped "
          "half-way; create an account and key with `backbeat account create` and `backbeat "
          "key create`, and add the account with `backbeat org add-member`");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace

core::Status BootstrapIfEmpty(storage::Storage& storage, service::AuthService& auth,
                              service::IdSource& ids, const core::Clock& clock,
                              const std::string& key_file, const JsonLog& log) {
  auto accounts = storage.accounts().ListAccounts();
  if (!accounts.ok()) return accounts.status();
  if (!accounts->empty()) return core::Status::Ok();

  core::Organization org{ids.NewUuid(), "admin", true, clock.Now()};
  if (core::Status s = storage.accounts().CreateOrganization(org); !s.ok()) {
    if (s.code() == core::ErrorCode::kAlreadyExists) return AwaitOtherBootstrap(storage, log);
    return s;
  }
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
