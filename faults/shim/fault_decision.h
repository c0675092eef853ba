// Internal to the shim's data path: the decision of which fault fires on a call, and what a write fault does.
#pragma once

#include "faultfs.h"

namespace faultfs {

struct Decision {
  int index = -1;  // the fault that fires, -1 = none
  Kind kind = Kind::kCrash;
  uint64_t at = 0;  // absolute offset of the flipped byte
  int bit = 0;
  uint64_t keep = 0;
  int64_t shift = 0;
  int err = 0;
  uint64_t step = 0;  // the step counter when the fault fired (journaled only with a step_file)
};

uint64_t iov_total(const struct iovec* iov, int n);
uint64_t file_size(int fd);
// Evaluates every armed fault of `op` that matches the file, in plan order; called with the lock held (decide.cc).
// `fd` is the call's descriptor (its size decides rewrite=), -1 where it does not matter.
Decision decide(Op op, uint64_t mask, uint64_t pos, uint64_t len, int fd = -1);
// The `fault` journal line of a decision, and the field every fault line ends with before it is written.
Line fault_line(const Decision& d, const char* path, int fd, uint64_t off, uint64_t len);
void emit_fault(Line& line, const Decision& d);
// Carries out a write fault on the call (write_faults.cc): journals it, then writes what the kind says.
ssize_t write_fault(const IoCall& c, const char* path, const Decision& d, uint64_t pos, uint64_t len, bool append);

}  // namespace faultfs
