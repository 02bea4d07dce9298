/* Opening a regular file without following links or blocking on FIFOs. */
#include "sys/open.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

int pcpu_open_regular(int dirfd, const char *path, int flags, struct stat *st)
{
	int fd = openat(dirfd, path, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC), err;

	/* O_RDWR of a directory is EISDIR, of a socket (or a FIFO opened O_WRONLY) ENXIO. */
	if (fd < 0)
		return errno == ENXIO || errno == EISDIR ? (errno = EEXIST, -1) : -1;
	if (fstat(fd, st) != 0)
		err = errno;
	else if (!S_ISREG(st->st_mode))
		err = EEXIST;
	else
		return fd;
	close(fd);
	errno = err;
	return -1;
}
