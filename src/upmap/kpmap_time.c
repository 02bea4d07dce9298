/* The time fast paths: tick-resolution clocks read from kpmap without a system call. */
#include <errno.h>
#include <sys/time.h>
#include <time.h>

#include "upmap/upmap_private.h"

/* pcpu_tsc_clock_read(): the TSC clock of k as CLOCK_MONOTONIC or CLOCK_REALTIME; false
 * when k has none, it is older than a few ticks, or this architecture has no TSC. */
#if defined(__x86_64__)
#include "upmap/kpmap_tsc_read_x86_64.h"
#else
#include "upmap/kpmap_tsc_read_none.h"
#endif

/*
 * Memory order. The writer (pcpu_kpmap_tick) fills slot (u + 1) & 1 with release stores,
 * then stores upticks = u + 1 with release. A reader loads upticks = w with acquire, so it
 * sees the complete slot w & 1. The writer overwrites that slot only on its way to w + 2,
 * after publishing w + 1; if one of our acquire loads of the slot read such a release
 * store, everything before that store (upticks = w + 1 included) happens before our
 * re-load of upticks, which then differs from w. So a slot is accepted only when upticks
 * is unchanged. (DragonFly also accepts w + 1, which is safe only when a tick is far
 * longer than a read; this check also holds against a writer running flat out.) Release
 * and acquire instead of fences: ThreadSanitizer understands them, and on x86 they are
 * plain moves. Every access is atomic, so there is no data race in the C sense.
 */
static inline __attribute__((always_inline)) void
read_slots(const uint32_t *upticks, const struct timespec slots[2], struct timespec *out)
{
	uint32_t w;

	do {
		w = __atomic_load_n(upticks, __ATOMIC_ACQUIRE);
		out->tv_sec = __atomic_load_n(&slots[w & 1].tv_sec, __ATOMIC_ACQUIRE);
		out->tv_nsec = __atomic_load_n(&slots[w & 1].tv_nsec, __ATOMIC_ACQUIRE);
	} while (__atomic_load_n(upticks, __ATOMIC_RELAXED) != w);
}

/* CLOCK_REALTIME_COARSE or CLOCK_MONOTONIC_COARSE: the last tick's time. */
static inline int coarse_clock(const struct sys_kpmap *k, clockid_t clock, struct timespec *ts)
{
	read_slots((const uint32_t *)&k->upticks,
		   clock == CLOCK_REALTIME_COARSE ? k->ts_realtime : k->ts_uptime, ts);
	return 0;
}

int ukp_kpmap_timestamp(const void *map, uint16_t type, struct timespec *ts)
{
	const uint32_t *upticks;
	const struct timespec *slots;

	if (ts == NULL || (type != KPTYPE_TS_UPTIME && type != KPTYPE_TS_REALTIME &&
			   type != KPTYPE_TS_BASETIME)) {
		errno = EINVAL;
		return -1;
	}
	upticks = ukp_find(map, KPTYPE_UPTICKS);
	slots = upticks != NULL ? ukp_find(map, type) : NULL;
	if (slots == NULL)
		return -1;
	read_slots(upticks, slots, ts);
	return 0;
}

/* kpmap's tick-resolution real time when kern.gettimeofday_quick (fast_gtod) is set and
 * no timezone is asked for, as on DragonFly; otherwise gettimeofday() (vDSO). */
int ukp_gettimeofday(struct timeval *tv, void *tz)
{
	const struct sys_kpmap *k;

	if (tz == NULL && tv != NULL && (k = pcpu_kpmap_live()) != NULL &&
	    __atomic_load_n(&k->fast_gtod, __ATOMIC_RELAXED) != 0) {
		struct timespec ts;

		coarse_clock(k, CLOCK_REALTIME_COARSE, &ts);
		tv->tv_sec = ts.tv_sec;
		tv->tv_usec = ts.tv_nsec / 1000;
		return 0;
	}
	return gettimeofday(tv, tz);
}

/*
 * The last CLOCK_MONOTONIC this thread was given. The TSC clock and the vDSO differ by
 * the TSC clock's error (tens of nanoseconds, at most a few hundred), so a switch from
 * one to the other (kpmapd late or gone, a tick without a good pair) could step back by
 * that much; a thread is never given less than before, as the vDSO never returns less
 * than its cycle_last. Initial-exec: one %fs-relative load, no __tls_get_addr call.
 */
static __thread int64_t mono_last_ns __attribute__((tls_model("initial-exec")));

/* ns (the time in ts) or, when it is less, the last one this thread was given. */
static inline int monotonic_floor(struct timespec *ts, int64_t ns)
{
	if (__builtin_expect(ns < mono_last_ns, 0)) {
		ts->tv_sec = (time_t)(mono_last_ns / 1000000000);
		ts->tv_nsec = (long)(mono_last_ns % 1000000000);
	} else {
		mono_last_ns = ns;
	}
	return 0;
}

/* The kernel's clock, for a clock kpmap does not serve now. */
static __attribute__((noinline, cold)) int kernel_clock(clockid_t clock, struct timespec *ts)
{
	if (clock_gettime(clock, ts) != 0)
		return -1;
	if (clock != CLOCK_MONOTONIC)
		return 0;
	return monotonic_floor(ts, (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec);
}

/* Every call but a fine clock read from a kpmap already mapped and alive. A NULL ts is
 * refused: clock_gettime() through the vDSO would store through it. */
static __attribute__((noinline, cold)) int other_clock(clockid_t clock, struct timespec *ts)
{
	const struct sys_kpmap *k;
	int64_t ns;

	if (ts == NULL) {
		errno = EFAULT;
		return -1;
	}
	if ((k = pcpu_kpmap_live()) == NULL)
		return kernel_clock(clock, ts);
	switch (clock) {
	case CLOCK_MONOTONIC:
		if (pcpu_tsc_clock_read(k, false, ts, &ns))
			return monotonic_floor(ts, ns);
		break;
	case CLOCK_REALTIME:
		if (pcpu_tsc_clock_read(k, true, ts, &ns))
			return 0;
		break;
	case CLOCK_REALTIME_COARSE:
	case CLOCK_MONOTONIC_COARSE:
		return coarse_clock(k, clock, ts);
	}
	return kernel_clock(clock, ts);
}

/*
 * The fine clocks from kpmapd's TSC clock while it is trusted and fresh, and the coarse
 * ones from the tick's slots. The four of them, read from a map already up, are served
 * here with no call; every other call, and every fall back, is the cold functions'. A
 * loop of fine calls costs the ordered TSC read and every instruction between two of them
 * (kpmap_tsc_read_x86_64.h): before this split, the frame that the refresh and
 * clock_gettime() calls needed, and the dispatch through the coarse clocks, cost
 * MONOTONIC 0.93 to 0.95 times the vDSO's speed. The coarse clocks come after the fine
 * ones, which they leave as fast; sent to other_clock() they took 7.12 to 13.97 ns
 * instead of 3.75 to 4.01, slower than the vDSO's 5.97 to 10.61 (bench/upmap, AMD EPYC
 * VM, 3 runs each, in turn).
 */
int ukp_clock_gettime(clockid_t clock, struct timespec *ts)
{
	const struct sys_kpmap *k = pcpu_kpmap_up();
	int64_t ns;

	if (__builtin_expect(k != NULL && ts != NULL, 1)) {
		if (clock == CLOCK_MONOTONIC) {
			if (pcpu_tsc_clock_read(k, false, ts, &ns))
				return monotonic_floor(ts, ns);
			return kernel_clock(clock, ts);
		}
		if (clock == CLOCK_REALTIME) {
			if (pcpu_tsc_clock_read(k, true, ts, &ns))
				return 0;
			return kernel_clock(clock, ts);
		}
		if (clock == CLOCK_MONOTONIC_COARSE || clock == CLOCK_REALTIME_COARSE)
			return coarse_clock(k, clock, ts);
	}
	return other_clock(clock, ts);
}
