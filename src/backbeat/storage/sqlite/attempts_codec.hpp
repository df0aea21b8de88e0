#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "backbeat/core/status.hpp"
#include "backbeat/core/task/run.hpp"

// A run's attempts live in its row as one JSON array (`runs.attempts_json`), so every step of a
// run's life is one row write instead of a row write plus deleting and re-inserting child rows.
//
// Format: [{"id":..,"status":..,"created_at_ms":N,"updated_at_ms":N,"started_at_ms":N|null,
// "completed_at_ms":N|null,"error":{"message":..,"name":..,"stack_trace":..}|null}, ...]
// Migration 4 builds the same shape from the former run_attempts rows with SQLite's json_object.
namespace backbeat::storage::sqlite::codec {

std::string EncodeAttempts(const std::vector<core::RunAttempt>& attempts);
core::Result<std::vector<core::RunAttempt>> DecodeAttempts(std::string_view json);

}  // namespace backbeat::storage::sqlite::codec
