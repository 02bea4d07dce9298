/*
 * The one careful open of a path that another user may have planted something at: a
 * symbolic link is refused, never followed; a FIFO is never waited on; only a regular
 * file is returned. Who may own it is the caller's rule.
 */
#ifndef PCPU_SYS_OPEN_H
#define PCPU_SYS_OPEN_H

#include <sys/stat.h>

/*
 * Opens path, relative to dirfd (AT_FDCWD: the working directory), with flags (O_RDONLY
 * or O_RDWR) and O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, and fills *st. Returns the
 * descriptor, or -1 with errno: ELOOP for a symbolic link, EEXIST for anything there
 * that is not a regular file (a FIFO, a socket, a device, a directory), else open's.
 */
int pcpu_open_regular(int dirfd, const char *path, int flags, struct stat *st);

#endif
