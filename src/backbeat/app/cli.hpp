#pragma once

namespace backbeat::app {

// Parses the command line and runs the chosen command. Returns the process exit status.
// Exceptions stop here: nothing below main() throws past this function.
int RunCli(int argc, char** argv);

}  // namespace backbeat::app
