/* Readers never see a torn timestamp, with a writer publishing as fast as it can.
 * Concurrency label: kept within the TSan Criterion subset. */
#include <criterion/criterion.h>
#include <pcpu/upmap.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/testutil.h"
#include "upmap/upmap_private.h"

/* One reader and the writer: one thread per CPU of the 2-CPU machine, so that they
 * really overlap; the reader runs for RUN_MS of wall time. */
enum { READERS = 1, RUN_MS = 500 };

static struct sys_kpmap *torn_map;
static int torn_stop;

/* Every published pair satisfies nsec == f(sec), so a mix of two pairs shows. */
static long expected_nsec(time_t sec)
{
	return (long)((uint64_t)sec * 7919u % 1000000000u);
}

static void *writer(void *arg)
{
	(void)arg;
	for (time_t n = 1; !__atomic_load_n(&torn_stop, __ATOMIC_RELAXED); n++) {
		struct timespec up = {n, expected_nsec(n)}, real = {n + 1, expected_nsec(n + 1)};

		pcpu_kpmap_tick(torn_map, &up, &real);
	}
	return NULL;
}

static void *reader(void *arg)
{
	long *bad = arg;
	time_t last = 0;
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (long i = 1;; i++) {
		struct timespec up, real;

		/* Through the public fast path, which reads the same map. */
		if (ukp_clock_gettime(CLOCK_MONOTONIC_COARSE, &up) != 0 ||
		    up.tv_nsec != expected_nsec(up.tv_sec) || up.tv_sec < last)
			(*bad)++;
		/* And through the public read of any timestamp of a map. */
		if (ukp_kpmap_timestamp(torn_map, KPTYPE_TS_REALTIME, &real) != 0 ||
		    real.tv_nsec != expected_nsec(real.tv_sec))
			(*bad)++;
		last = up.tv_sec;
		if (i % 4096 == 0) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			if ((now.tv_sec - start.tv_sec) * 1000 +
				    (now.tv_nsec - start.tv_nsec) / 1000000 >=
			    RUN_MS)
				break;
		}
	}
	return NULL;
}

Test(kpmap_torn, readers_never_see_a_torn_timestamp)
{
	char *path = test_path(test_tmpdir(), "kpmap");
	char uid[32];
	struct pcpu_kpmap_writer w;
	pthread_t wt, rt[READERS];
	long bad[READERS] = {0};
	uint32_t start;

	snprintf(uid, sizeof(uid), "%u", (unsigned)getuid());
	setenv("PCPU_KPMAP_OWNER", uid, 1);
	setenv("PCPU_KPMAP", path, 1);
	cr_assert_eq(pcpu_kpmap_create(&w, path, 100, 0, 1), 0);
	torn_map = w.map;
	pcpu_kpmap_tick(torn_map, &(struct timespec){0, 0}, &(struct timespec){1, 7919});
	cr_assert_not_null(kpmap_map());
	start = (uint32_t)torn_map->upticks;
	cr_assert_eq(pthread_create(&wt, NULL, writer, NULL), 0);
	for (int i = 0; i < READERS; i++)
		cr_assert_eq(pthread_create(&rt[i], NULL, reader, &bad[i]), 0);
	for (int i = 0; i < READERS; i++)
		pthread_join(rt[i], NULL);
	__atomic_store_n(&torn_stop, 1, __ATOMIC_RELAXED);
	pthread_join(wt, NULL);
	for (int i = 0; i < READERS; i++)
		cr_assert_eq(bad[i], 0);
	cr_assert_gt((uint32_t)torn_map->upticks - start, 1000u);
	pcpu_kpmap_retire(&w);
	*strrchr(path, '/') = '\0';
	rmdir(path);
	free(path);
}
