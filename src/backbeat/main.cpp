#include <exception>
#include <iostream>

#include "backbeat/app/cli.hpp"

int main(int argc, char** argv) {
  try {
    return backbeat::app::RunCli(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "backbeat: fatal: " << e.what() << "\n";
    return 1;
  }
}
