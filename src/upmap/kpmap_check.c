/* Trust checks for a kpmap file before clients read it (see upmap(4), SECURITY). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sys/open.h"
#include "upmap/upmap_private.h"

/* Every field a client reads must be where struct sys_kpmap has it: the fast paths use the
 * structure, and the header walk proves the writer agrees with it. */
static const ukpheader_t kpmap_required[] = {PCPU_KPMAP_HEADER_ENTRIES};

int pcpu_kpmap_check(const void *map)
{
	const struct sys_kpmap *k = map;

	if (k->header[0].type != UKPTYPE_VERSION ||
	    k->header[0].offset != offsetof(struct sys_kpmap, version)) {
		errno = EINVAL;
		return -1;
	}
	if (k->version != KPMAP_VERSION) {
		errno = ENOTSUP;
		return -1;
	}
	for (size_t i = 0; i < sizeof(kpmap_required) / sizeof(kpmap_required[0]); i++) {
		if (ukp_find(map, kpmap_required[i].type) !=
		    (const char *)map + kpmap_required[i].offset) {
			errno = EINVAL;
			return -1;
		}
	}
	/* The reader shifts a 64-bit count by tsc_shift: pcpu_tsc_shift() never exceeds 32.
	 * kpmapd's timer_base is always 0, so the reader need not add it on every call. */
	if (k->tick_freq <= 0 || k->tsc_shift > 32 || k->timer_base != 0) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* root, or the uid in $PCPU_KPMAP_OWNER (decimal, whole string) for tests and for a
 * kpmapd run as a service user. */
static int kpmap_owner_trusted(uid_t uid)
{
	const char *env = getenv("PCPU_KPMAP_OWNER");
	char *end;
	unsigned long v;

	if (uid == 0)
		return 1;
	if (env == NULL || *env < '0' || *env > '9')
		return 0;
	errno = 0;
	v = strtoul(env, &end, 10);
	return errno == 0 && *end == '\0' && v == (unsigned long)uid;
}

int pcpu_kpmap_open_file(int flags, struct stat *st)
{
	int fd = pcpu_open_regular(AT_FDCWD, pcpu_kpmap_path(), flags, st);

	if (fd < 0 && errno == EEXIST)
		errno = EINVAL; /* a FIFO, a directory...: not a kpmap */
	return fd;
}

const struct sys_kpmap *pcpu_kpmap_open_checked(int fd, int prot, const struct stat *st)
{
	void *map;

	if (st->st_size < KPMAP_MAPSIZE) {
		errno = EINVAL;
		return NULL;
	}
	if (!kpmap_owner_trusted(st->st_uid) || (st->st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		errno = EPERM;
		return NULL;
	}
	map = mmap(NULL, KPMAP_MAPSIZE, prot, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return NULL;
	if (pcpu_kpmap_check(map) != 0) {
		int err = errno;

		munmap(map, KPMAP_MAPSIZE);
		errno = err;
		return NULL;
	}
	return map;
}
