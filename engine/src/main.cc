#include "walkv/cli.h"

int main(int argc, char** argv) { return walkv::Main(walkv::Env::Default(), argc, argv); }
