#pragma once

#include <string>

#include "backbeat/core/status.hpp"

namespace backbeat::app {

// Reads the file, or creates it with mode 0600 holding `make()`'s content when it does not
// exist. An existing file readable by group or others is refused: it holds a secret.
core::Result<std::string> ReadOrCreateSecretFile(const std::string& path,
                                                 const std::string& content_if_new,
                                                 bool* created = nullptr);

// Writes `content` to a new file with mode 0600 (replacing any previous one atomically).
core::Status WriteSecretFile(const std::string& path, const std::string& content);

// Creates the directory (and parents) if missing.
core::Status EnsureDirectory(const std::string& path);

}  // namespace backbeat::app
