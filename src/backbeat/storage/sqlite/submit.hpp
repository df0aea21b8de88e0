#pragma once

#include <optional>
#include <utility>

#include "backbeat/core/status.hpp"
#include "backbeat/storage/sqlite/group_committer.hpp"

namespace backbeat::storage::sqlite {

// Runs `work` (Connection& -> Result<T>) as one group-commit unit and answers its value once
// the batch is durable. A failed result rolls the unit back and is answered as it is; a failed
// commit answers the commit's error.
template <typename T, typename F>
core::Result<T> SubmitWithResult(GroupCommitter& writer, F&& work) {
  std::optional<core::Result<T>> out;
  core::Status status = writer.Submit([&](Connection& c) -> core::Status {
    out.emplace(work(c));
    return out->ok() ? core::Status::Ok() : out->status();
  });
  if (!status.ok()) return status;
  return std::move(*out);
}

}  // namespace backbeat::storage::sqlite
