/*
 * The client side of kpmap: which map the fast paths read, and noticing when kpmapd
 * stops or restarts. kpmapd replaces the file by rename, so a client keeps its mapping
 * of the old one; the old map's alive word turns 0 (clean stop) or gets FUTEX_OWNER_DIED
 * (any death, set by the kernel), and the next fast-path call comes here, re-opens the
 * path and switches. Replaced maps stay mapped: another thread may still be reading one.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "upmap/upmap_private.h"

enum { KPMAP_RETRY_NS = 100000000 }; /* re-open at most every 100 ms when there is none */

const struct sys_kpmap *pcpu_kpmap_current;
static dev_t kpmap_dev;
static ino_t kpmap_ino;
static int kpmap_busy;	       /* one thread re-opens; the others fall back meanwhile */
static int64_t kpmap_retry_at; /* CLOCK_MONOTONIC_COARSE ns of the next attempt */

/* Set once and never freed: a reader of the old path may still hold it. */
static const char *kpmap_path_set;

int kpmap_setpath(const char *path)
{
	const char *copy = path != NULL ? strdup(path) : NULL;

	if (path != NULL && copy == NULL)
		return -1;
	/* Release: pairs with the acquire in pcpu_kpmap_path(), for the string's bytes. */
	__atomic_store_n(&kpmap_path_set, copy, __ATOMIC_RELEASE);
	return 0;
}

const char *pcpu_kpmap_path(void)
{
	const char *set = __atomic_load_n(&kpmap_path_set, __ATOMIC_ACQUIRE);
	const char *env = getenv("PCPU_KPMAP");

	if (set != NULL)
		return set;
	return env != NULL && *env != '\0' ? env : "/dev/shm/kpmap";
}

const char *kpmap_path(void)
{
	return pcpu_kpmap_path();
}

static int64_t coarse_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Opens the path and publishes its map unless it is the one already current. Called with
 * kpmap_busy held. NULL with errno when there is no usable map. */
static const struct sys_kpmap *kpmap_reopen(void)
{
	const struct sys_kpmap *cur = __atomic_load_n(&pcpu_kpmap_current, __ATOMIC_RELAXED);
	/* Never blocks: a FIFO planted at the path (anyone may create one in /dev/shm) would
	 * otherwise hold this open, and with it every fast-path call, until a writer came. */
	struct stat st;
	int fd = pcpu_kpmap_open_file(O_RDONLY, &st);
	const struct sys_kpmap *k;

	if (fd < 0)
		return NULL;
	if (cur != NULL && st.st_dev == kpmap_dev && st.st_ino == kpmap_ino) {
		close(fd);
		k = cur;
	} else {
		k = pcpu_kpmap_open_checked(fd, PROT_READ, &st);
		int err = errno;

		close(fd);
		errno = err;
		if (k == NULL)
			return NULL;
		kpmap_dev = st.st_dev;
		kpmap_ino = st.st_ino;
		/* Release: a reader that loads the pointer sees the checked contents. */
		__atomic_store_n(&pcpu_kpmap_current, k, __ATOMIC_RELEASE);
	}
	if (!pcpu_kpmap_alive(k)) {
		errno = ESTALE;
		return NULL;
	}
	return k;
}

const struct sys_kpmap *pcpu_kpmap_refresh(bool force)
{
	const struct sys_kpmap *k = NULL;
	int64_t now = coarse_now_ns();

	if (!force && now < __atomic_load_n(&kpmap_retry_at, __ATOMIC_RELAXED))
		return NULL;
	while (__atomic_exchange_n(&kpmap_busy, 1, __ATOMIC_ACQUIRE) != 0) {
		if (!force) {
			errno = EBUSY;
			return NULL;
		}
		sched_yield();
	}
	k = kpmap_reopen();
	int err = errno;

	__atomic_store_n(&kpmap_retry_at, k ? 0 : now + KPMAP_RETRY_NS, __ATOMIC_RELAXED);
	__atomic_store_n(&kpmap_busy, 0, __ATOMIC_RELEASE);
	errno = err;
	return k;
}

const void *kpmap_map(void)
{
	return pcpu_kpmap_refresh(true);
}

const void *ukp_kpmap_last(void)
{
	const void *k = pcpu_kpmap_refresh(true);

	/* kpmap_reopen() made the refused map current before it found it stale. */
	if (k == NULL && errno == ESTALE)
		return __atomic_load_n(&pcpu_kpmap_current, __ATOMIC_ACQUIRE);
	return k;
}
