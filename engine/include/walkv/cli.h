// The walkv command line (CLI11). main() only calls this.
#pragma once

#include "walkv/env.h"

namespace walkv {

// Parses argv, runs the chosen command against env (main() passes Env::Default()) and returns the process exit
// status (data_dir.h). A bad command line prints a clear message and returns kExitUsage (2), never CLI11's own
// 104-109.
int Main(Env* env, int argc, char** argv);

}  // namespace walkv
