#include "backbeat/core/account/account.hpp"

#include <algorithm>

namespace backbeat::core {

bool Principal::CanActFor(const std::string& account) const {
  return is_admin || account == account_id ||
         std::find(scope.begin(), scope.end(), account) != scope.end();
}

}  // namespace backbeat::core
