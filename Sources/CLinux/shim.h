#ifndef CHURND_CLINUX_SHIM_H
#define CHURND_CLINUX_SHIM_H

// Linux calls that Swift's Glibc module leaves out: glibc declares them only under _GNU_SOURCE, which that
// module is built without (and a define here would not reach a header the module has compiled already).
// Headers only, nothing to link: the functions are libc's.
#include <sys/types.h>

/// `sync_file_range(2)`, as <fcntl.h> declares it under _GNU_SOURCE.
extern int sync_file_range(int fd, __off64_t offset, __off64_t nbytes, unsigned int flags);

/// `SYNC_FILE_RANGE_WRITE`: start writeback of the range's dirty pages, without waiting for it.
static const unsigned int churnd_sync_file_range_write = 2;

#endif
