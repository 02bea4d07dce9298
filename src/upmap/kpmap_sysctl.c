/* kpmap_sysctl(): the run-time switches of the published kpmap, for pcpu(1) and kpmapd. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "upmap/upmap_private.h"

/*
 * Writes go straight into the published file (the caller needs write permission on it:
 * root or its owner), so every running client sees the new value at its next call.
 */
int kpmap_sysctl(const char *name, int *oldval, const int *newval)
{
	const struct sys_kpmap *k;
	struct stat st;
	int fd, err;

	if (name == NULL || strcmp(name, "kern.gettimeofday_quick") != 0) {
		errno = ENOENT;
		return -1;
	}
	if (newval != NULL && *newval != 0 && *newval != 1) {
		errno = EINVAL;
		return -1;
	}
	fd = pcpu_kpmap_open_file(newval ? O_RDWR : O_RDONLY, &st);
	if (fd < 0)
		return -1;
	k = pcpu_kpmap_open_checked(fd, newval ? PROT_READ | PROT_WRITE : PROT_READ, &st);
	err = errno;
	close(fd);
	if (k == NULL) {
		errno = err;
		return -1;
	}
	if (oldval != NULL)
		*oldval = __atomic_load_n(&k->fast_gtod, __ATOMIC_RELAXED);
	if (newval != NULL)
		__atomic_store_n((int32_t *)&k->fast_gtod, *newval, __ATOMIC_RELAXED);
	munmap((void *)k, KPMAP_MAPSIZE);
	return 0;
}
