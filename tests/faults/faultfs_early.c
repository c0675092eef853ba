/* A library whose constructor writes to a file before the shim's own constructor has run (the dynamic linker runs
 * the constructors of the program's libraries before those of preloaded ones). Used by EarlyCallsAreFollowed. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((constructor)) static void write_early(void) {
  const char* path = getenv("FAULTFS_EARLY_FILE");
  if (path == NULL) return;
  const int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return;
  if (write(fd, "early", 5) < 0) _exit(3);
  close(fd);
}

int faultfs_early_linked(void) { return 1; }
