/*
 * The reader of kpmap's TSC clock on x86_64, inline in ukp_clock_gettime(); the writer is
 * kpmap_tsc_x86_64.c, whose comment gives the model.
 */
#ifndef PCPU_UPMAP_KPMAP_TSC_READ_X86_64_H
#define PCPU_UPMAP_KPMAP_TSC_READ_X86_64_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <x86intrin.h>

#include "upmap/upmap_private.h"

enum {
	PCPU_TSC_MAX_AGE_TICKS = 3,    /* an older slot is stale: readers fall back */
	PCPU_TSC_MAX_BEHIND_NS = 1000, /* further before its anchor: inconsistent, fall back */
};

/* rdtscp waits for every earlier load, as the vDSO's rdtsc_ordered(): the count must not
 * be taken before the loads that chose the slot, or it could predate the slot's anchor.
 * It is most of the cost of the clock, here as in the vDSO (which uses it too), so this
 * reader can win only on what surrounds it: on the 2-vCPU EPYC VM rdtscp alone takes
 * about 25 ns of the vDSO's 31 ns (and lfence; rdtsc 23 ns), whence a tie. */
static inline uint64_t pcpu_tsc_ordered(void)
{
	unsigned int aux;

	return __rdtscp(&aux);
}

/*
 * tsc_shift is written once, before the map is renamed into place; timer_base is 0
 * (pcpu_kpmap_check() refuses another), so the count is the shifted TSC itself.
 * Order: upticks with acquire, then the slot and the rate with acquire (a value of a
 * later publication makes the final re-read of upticks differ: see kpmap_time.c and
 * pcpu_kpmap_tick_tsc()), then the ordered TSC read, so the count is not older than the
 * slot it is applied to. Seconds and nanoseconds stay apart, as in the vDSO: no 64-bit
 * division on the way out.
 */
static inline bool pcpu_tsc_clock_read(const struct sys_kpmap *k, bool realtime,
				       struct timespec *ts)
{
	const uint32_t *upticks = (const uint32_t *)&k->upticks;
	uint32_t w, conv, base, secs, shift = __atomic_load_n(&k->tsc_shift, __ATOMIC_RELAXED);
	struct timespec anchor, bt = {0, 0};
	uint64_t tsc, ns;
	int64_t age;

	do {
		w = __atomic_load_n(upticks, __ATOMIC_ACQUIRE);
		conv = (uint32_t)__atomic_load_n(&k->freq64_nsec, __ATOMIC_ACQUIRE);
		secs = __atomic_load_n(&k->clock_secs[w & 1], __ATOMIC_ACQUIRE);
		base = __atomic_load_n(&k->clock_base[w & 1], __ATOMIC_ACQUIRE);
		anchor.tv_sec = __atomic_load_n(&k->ts_uptime[w & 1].tv_sec, __ATOMIC_ACQUIRE);
		anchor.tv_nsec = __atomic_load_n(&k->ts_uptime[w & 1].tv_nsec, __ATOMIC_ACQUIRE);
		if (realtime) {
			bt.tv_sec =
				__atomic_load_n(&k->ts_basetime[w & 1].tv_sec, __ATOMIC_ACQUIRE);
			bt.tv_nsec =
				__atomic_load_n(&k->ts_basetime[w & 1].tv_nsec, __ATOMIC_ACQUIRE);
		}
		tsc = pcpu_tsc_ordered();
	} while (__atomic_load_n(upticks, __ATOMIC_RELAXED) != w);
	if (conv == 0)
		return false;
	/* Nanoseconds since the start of second secs: about a second at most when fresh. */
	ns = ((uint64_t)conv * (uint32_t)((uint32_t)(tsc >> shift) - base)) >> 32;
	/* Stale (kpmapd stopped publishing, or the count wrapped) or far before the anchor:
	 * the kernel's clock answers instead. Just before it (a slot kept over a tick
	 * without a good pair, a TSC a few cycles behind on this CPU): the anchor, as the
	 * vDSO returns its cycle_last, so that the clock stays monotonic. */
	age = ((int64_t)secs - anchor.tv_sec) * 1000000000 + (int64_t)ns - anchor.tv_nsec;
	if (age < -PCPU_TSC_MAX_BEHIND_NS ||
	    (age > 0 && (uint64_t)age * (uint32_t)__atomic_load_n(&k->tick_freq, __ATOMIC_RELAXED) >
				PCPU_TSC_MAX_AGE_TICKS * 1000000000ULL))
		return false;
	if (age < 0) {
		secs = (uint32_t)anchor.tv_sec;
		ns = (uint64_t)anchor.tv_nsec;
	}
	ns += (uint64_t)bt.tv_nsec;
	ts->tv_sec = (time_t)secs + bt.tv_sec;
	while (ns >= 1000000000u) {
		ns -= 1000000000u;
		ts->tv_sec++;
	}
	ts->tv_nsec = (long)ns;
	return true;
}

#endif
