#pragma once

#include <string>

#include "backbeat/app/json_log.hpp"
#include "backbeat/core/status.hpp"
#include "backbeat/service/auth_service.hpp"
#include "backbeat/service/ids.hpp"
#include "backbeat/storage/storage.hpp"

namespace backbeat::app {

// On a database with no accounts: creates the admin organization, an admin account and a key,
// and writes the key to `key_file` (mode 0600), logging only the file's path. Does nothing on a
// database that has accounts. Nodes sharing a database may start together: the one whose
// organization is created first bootstraps; the others wait (bounded) for its account and then
// go on without writing a key. FailedPrecondition if the organization exists but no account
// appears (an earlier first start died half-way).
core::Status BootstrapIfEmpty(storage::Storage& storage, service::AuthService& auth,
                              service::IdSource& ids, const core::Clock& clock,
                              const std::string& key_file, const JsonLog& log);

}  // namespace backbeat::app
