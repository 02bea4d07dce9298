/* The writer side of kpmap, used by kpmapd(8) and by the tests. */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "upmap/upmap_private.h"

static const ukpheader_t kpmap_header[] = {PCPU_KPMAP_HEADER_ENTRIES};

static uint32_t *kpmap_alive_word(struct sys_kpmap *k)
{
	return (uint32_t *)((char *)k + PCPU_KPMAP_ALIVE_OFFSET);
}

static void kpmap_fill(struct sys_kpmap *k, int hz, int64_t tsc_freq, int fast_gtod)
{
	struct timespec up, real;

	memcpy(k->header, kpmap_header, sizeof(kpmap_header));
	k->version = KPMAP_VERSION;
	k->tsc_freq = tsc_freq;
	k->tsc_shift = pcpu_tsc_shift(tsc_freq);
	k->tick_freq = hz;
	k->fast_gtod = fast_gtod;
	clock_gettime(CLOCK_MONOTONIC, &up);
	clock_gettime(CLOCK_REALTIME, &real);
	/* Ticks since boot at the chosen rate, as DragonFly's upticks; from here on it
	 * advances by exactly one per publication (the slot parity depends on it). */
	k->upticks = (int32_t)((uint64_t)up.tv_sec * (uint64_t)hz +
			       (uint64_t)up.tv_nsec * (uint64_t)hz / 1000000000u);
	k->ts_uptime[0] = k->ts_uptime[1] = up;
	k->ts_realtime[0] = k->ts_realtime[1] = real;
	*kpmap_alive_word(k) = (uint32_t)gettid();
}

/* Makes a filled map in a fresh temp file next to path; returns its fd, or -1. */
static int kpmap_make_temp(char *tmpl, struct sys_kpmap **out, int hz, int64_t tsc_freq,
			   int fast_gtod)
{
	/* mkostemp: O_CREAT|O_EXCL (never follows a planted link), mode 0600 until full. */
	int fd = mkostemp(tmpl, O_CLOEXEC);
	void *map;

	if (fd < 0)
		return -1;
	if (ftruncate(fd, KPMAP_MAPSIZE) != 0 ||
	    (map = mmap(NULL, KPMAP_MAPSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) ==
		    MAP_FAILED) {
		int err = errno;

		unlink(tmpl);
		close(fd);
		errno = err;
		return -1;
	}
	kpmap_fill(map, hz, tsc_freq, fast_gtod);
	*out = map;
	return fd;
}

int pcpu_kpmap_create(struct pcpu_kpmap_writer *w, const char *path, int hz, int64_t tsc_freq,
		      int fast_gtod)
{
	char *tmpl = NULL;
	struct stat st;
	int fd, err;

	if (hz <= 0 || (fast_gtod != 0 && fast_gtod != 1)) {
		errno = EINVAL;
		return -1;
	}
	if (asprintf(&tmpl, "%s.XXXXXX", path) < 0)
		return -1;
	fd = kpmap_make_temp(tmpl, &w->map, hz, tsc_freq, fast_gtod);
	if (fd < 0) {
		err = errno;
		free(tmpl);
		errno = err;
		return -1;
	}
	/* 0644 only once complete; rename() then replaces the old file atomically, and
	 * clients still mapping it switch when it is retired. */
	if (fchmod(fd, 0644) != 0 || fstat(fd, &st) != 0 || rename(tmpl, path) != 0) {
		err = errno;
		unlink(tmpl);
		munmap(w->map, KPMAP_MAPSIZE);
		close(fd);
		free(tmpl);
		errno = err;
		return -1;
	}
	close(fd);
	free(tmpl);
	w->path = strdup(path);
	w->dev = st.st_dev;
	w->ino = st.st_ino;
	return 0;
}

uint32_t pcpu_tsc_shift(int64_t tsc_freq)
{
	uint32_t shift = 0;

	while (tsc_freq > 0 && (uint64_t)tsc_freq >> shift >= PCPU_TSC_COUNTS_MAX)
		shift++;
	return shift;
}

uint32_t pcpu_tsc_rate(int64_t tsc_freq, uint32_t shift)
{
	uint64_t counts = tsc_freq > 0 && shift < 64 ? (uint64_t)tsc_freq >> shift : 0;
	uint64_t rate = counts != 0 ? (1000000000ULL << 32) / counts : 0;

	return rate <= UINT32_MAX ? (uint32_t)rate : 0;
}

static void store_ts(struct timespec *slot, const struct timespec *v)
{
	__atomic_store_n(&slot->tv_sec, v->tv_sec, __ATOMIC_RELEASE);
	__atomic_store_n(&slot->tv_nsec, v->tv_nsec, __ATOMIC_RELEASE);
}

void pcpu_kpmap_tick_tsc(struct sys_kpmap *k, const struct timespec *uptime,
			 const struct timespec *realtime, const struct pcpu_kpmap_tsc *tsc)
{
	uint32_t *upticks = (uint32_t *)&k->upticks;
	uint32_t next = __atomic_load_n(upticks, __ATOMIC_RELAXED) + 1, s = next & 1;
	int64_t conv = tsc != NULL ? tsc->conv : 0;

	/* See kpmap_time.c: release slot stores order the previous publication before
	 * them, the release store of upticks orders the slot before the new count. */
	store_ts(&k->ts_uptime[s], uptime);
	store_ts(&k->ts_realtime[s], realtime);
	if (tsc != NULL) {
		__atomic_store_n(&k->clock_secs[s], tsc->clock_secs, __ATOMIC_RELEASE);
		__atomic_store_n(&k->clock_base[s], tsc->clock_base, __ATOMIC_RELEASE);
		store_ts(&k->ts_basetime[s], &tsc->basetime);
	}
	/* Going to 0 before the count: no reader applies the new slot with a rate that
	 * was meant for an older one... */
	if (conv == 0)
		__atomic_store_n(&k->freq64_nsec, 0, __ATOMIC_RELEASE);
	__atomic_store_n(upticks, next, __ATOMIC_RELEASE);
	/* ...and any other change after it: a reader that loads the new rate re-reads
	 * upticks after it and sees the new count, so it retries (the store of the count
	 * is ordered before this one). A reader may meanwhile apply the old rate to the new
	 * slot, which kpmapd steers by a few ppm at most: nanoseconds over one tick. */
	if (conv != 0)
		__atomic_store_n(&k->freq64_nsec, conv, __ATOMIC_RELEASE);
}

void pcpu_kpmap_tick(struct sys_kpmap *k, const struct timespec *uptime,
		     const struct timespec *realtime)
{
	pcpu_kpmap_tick_tsc(k, uptime, realtime, NULL);
}

/* The kernel walks this list when the thread dies (even by SIGKILL) and sets
 * FUTEX_OWNER_DIED in every listed word that still holds the thread's id. */
static struct robust_list kpmap_robust_entry;
static struct robust_list_head kpmap_robust_head;

int pcpu_kpmap_guard(struct pcpu_kpmap_writer *w)
{
	uint32_t *alive = kpmap_alive_word(w->map);

	__atomic_store_n(alive, (uint32_t)gettid(), __ATOMIC_RELEASE);
	kpmap_robust_entry.next = &kpmap_robust_head.list;
	kpmap_robust_head.list.next = &kpmap_robust_entry;
	kpmap_robust_head.futex_offset = (char *)alive - (char *)&kpmap_robust_entry;
	kpmap_robust_head.list_op_pending = NULL;
	return (int)syscall(SYS_set_robust_list, &kpmap_robust_head, sizeof(kpmap_robust_head));
}

bool pcpu_kpmap_replaced(const struct pcpu_kpmap_writer *w)
{
	struct stat st;

	return stat(w->path, &st) == 0 && (st.st_dev != w->dev || st.st_ino != w->ino);
}

void pcpu_kpmap_retire(struct pcpu_kpmap_writer *w)
{
	struct stat st;

	__atomic_store_n(kpmap_alive_word(w->map), 0, __ATOMIC_RELEASE);
	/* A newer kpmapd may have renamed its file over ours: leave that one alone. */
	if (stat(w->path, &st) == 0 && st.st_dev == w->dev && st.st_ino == w->ino)
		unlink(w->path);
	munmap(w->map, KPMAP_MAPSIZE);
	free(w->path);
	w->map = NULL;
	w->path = NULL;
}
