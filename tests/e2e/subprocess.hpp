#pragma once

#include <string>
#include <vector>

namespace backbeat::testing {

struct ProcessResult {
  int exit_code = -1;  // 128 + signal when killed
  std::string out;
  std::string err;
};

// Runs `argv` (no shell), waits for it, and returns its exit status and both output streams.
ProcessResult RunProcess(const std::vector<std::string>& argv);

}  // namespace backbeat::testing
