#pragma once

namespace faultline::cli {
int main(int argc, char** argv);
}
