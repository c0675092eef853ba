#include "walkv/cli.h"

int main(int argc, char** argv) { return walkv::Main(argc, argv); }
