// The walkv command line (CLI11). main() only calls this.
#pragma once

namespace walkv {

// Parses argv, runs the chosen command and returns the process exit status (data_dir.h). A bad command line
// prints a clear message and returns kExitUsage (2), never CLI11's own 104-109.
int Main(int argc, char** argv);

}  // namespace walkv
