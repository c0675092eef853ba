// faultline: the command line. It only parses arguments and calls into the harness library; every error is caught
// here and mapped to the documented exit codes (README: 0 pass, 1 failures, 2 usage/configuration, 3 harness error,
// 130 interrupted).
#include "commands.h"

int main(int argc, char** argv) { return faultline::cli::main(argc, argv); }
