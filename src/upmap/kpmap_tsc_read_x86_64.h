/*
 * The reader of kpmap's TSC clock on x86_64, inline in ukp_clock_gettime(); the writer is
 * kpmap_tsc_x86_64.c, whose comment gives the model.
 */
#ifndef PCPU_UPMAP_KPMAP_TSC_READ_X86_64_H
#define PCPU_UPMAP_KPMAP_TSC_READ_X86_64_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "upmap/upmap_private.h"

enum {
	PCPU_TSC_MAX_AGE_TICKS = 3,    /* an older slot is stale: readers fall back */
	PCPU_TSC_MAX_BEHIND_NS = 1000, /* further before its anchor: inconsistent, fall back */
};

/* rdtscp waits for every earlier load, as the vDSO's rdtsc_ordered(): the count must not
 * be taken before the load of upticks that chose the slot, or it could predate the
 * slot's anchor. It is most of the cost of the clock, here as in the vDSO (which uses it
 * too), so this reader can win only on what surrounds it: on the 2-vCPU Intel Xeon VM
 * of bench/upmap a loop of rdtscp alone takes about 16 ns of the vDSO's 22 ns. */
static inline void pcpu_tsc_ordered_halves(uint32_t *lo, uint32_t *hi)
{
	/* The memory clobber keeps the read after the caller's acquire loads. */
	__asm__ volatile("rdtscp" : "=a"(*lo), "=d"(*hi) : : "rcx", "memory");
}

static inline uint64_t pcpu_tsc_ordered(void)
{
	uint32_t lo, hi;

	pcpu_tsc_ordered_halves(&lo, &hi);
	return (uint64_t)hi << 32 | lo;
}

/* The count of kpmap's TSC clock, (TSC >> shift) truncated to 32 bits. With no shift (a
 * TSC below 4 GHz) it is the low half that rdtscp returns, with no instruction more: the
 * join of the halves (which gcc makes before a branch on the shift when given the whole
 * count) and a shift by cl would add three cycles to every read, after the count. */
static inline uint32_t pcpu_tsc_count(uint32_t shift)
{
	uint32_t lo, hi;

	pcpu_tsc_ordered_halves(&lo, &hi);
	if (__builtin_expect(shift == 0, 1))
		return lo;
	return (uint32_t)(((uint64_t)hi << 32 | lo) >> shift);
}

/*
 * How long a slot stays fresh at hz ticks a second, PCPU_TSC_MAX_AGE_TICKS ticks, or 0
 * for a tick_freq a writer zeroed after the map was checked (the kernel's clock then
 * answers). A division costs a loop of calls more than the rest of the reader does
 * (bench/upmap), and hz does not change, so the last answer is kept, with its hz in
 * one word (ns << 32 | hz: 3 * 10^9 fits 32 bits), so that no thread pairs one hz's
 * bound with another's. Its first value, 0, is the answer for an hz of 0, so the kept
 * word needs no test of hz beside the compare. Relaxed: the word is its own whole
 * message.
 */
static uint64_t pcpu_tsc_fresh_memo;

static inline uint64_t pcpu_tsc_fresh_ns(int32_t hz)
{
	uint64_t memo = __atomic_load_n(&pcpu_tsc_fresh_memo, __ATOMIC_RELAXED);
	uint64_t fresh;

	if (__builtin_expect((uint32_t)memo == (uint32_t)hz, 1))
		return memo >> 32;
	if (hz <= 0)
		return 0;
	fresh = PCPU_TSC_MAX_AGE_TICKS * 1000000000u / (uint32_t)hz;
	__atomic_store_n(&pcpu_tsc_fresh_memo, fresh << 32 | (uint32_t)hz, __ATOMIC_RELAXED);
	return fresh;
}

/* One slot of the TSC clock, as the reader loads it. */
struct pcpu_tsc_slot {
	uint32_t base, secs;
	struct timespec anchor, bt; /* bt: zero for CLOCK_MONOTONIC */
};

/* Slot i, a constant once inlined: every load then has a fixed offset from k, where an
 * index computed from upticks took gcc five instructions to address the two arrays. */
static inline __attribute__((always_inline)) void pcpu_tsc_slot_read(const struct sys_kpmap *k,
								     unsigned int i, bool realtime,
								     struct pcpu_tsc_slot *s)
{
	s->secs = __atomic_load_n(&k->clock_secs[i], __ATOMIC_ACQUIRE);
	s->base = __atomic_load_n(&k->clock_base[i], __ATOMIC_ACQUIRE);
	s->anchor.tv_sec = __atomic_load_n(&k->ts_uptime[i].tv_sec, __ATOMIC_ACQUIRE);
	s->anchor.tv_nsec = __atomic_load_n(&k->ts_uptime[i].tv_nsec, __ATOMIC_ACQUIRE);
	if (realtime) {
		s->bt.tv_sec = __atomic_load_n(&k->ts_basetime[i].tv_sec, __ATOMIC_ACQUIRE);
		s->bt.tv_nsec = __atomic_load_n(&k->ts_basetime[i].tv_nsec, __ATOMIC_ACQUIRE);
	} else {
		s->bt.tv_sec = 0;
		s->bt.tv_nsec = 0;
	}
}

/*
 * tsc_shift is written once, before the map is renamed into place; timer_base is 0
 * (pcpu_kpmap_check() refuses another), so the count is the shifted TSC itself.
 * Order, as in the vDSO: upticks with acquire, then the ordered TSC read, so that the
 * count is not older than the publication of the slot it is applied to (that slot's
 * anchor was taken before upticks was stored with release), then the slot and the rate
 * with acquire (a value of a later publication makes the final re-read of upticks
 * differ: see kpmap_time.c and pcpu_kpmap_tick_tsc()).
 *
 * Speed: a loop of calls costs the ordered read plus what follows it before the next
 * one, which waits for every instruction before it. Work that does not depend on the
 * count overlaps the read only in part (on the Intel Xeon VM of bench/upmap, two runs:
 * 10 cycles of it after rdtscp cost 0.6 to 0.8 ns a call, 20 cycles 3.4 to 4.0 ns, and a
 * division 4 to 7 ns), so the reader keeps all of it short: the count is the low half of
 * rdtscp as it comes (pcpu_tsc_count()), the freshness bound a kept value
 * (pcpu_tsc_fresh_ns()), one unsigned compare tests both ends of the age, and the
 * function is inlined into its caller, which would otherwise get *total back through
 * memory. The slot is chosen by a branch on upticks & 1, which changes once a tick
 * (pcpu_tsc_slot_read()). Seconds and nanoseconds stay apart, as in the vDSO: no 64-bit
 * division on the way out. *total is the time in nanoseconds, for the caller's
 * monotonic floor.
 *
 * The empty asm statements cost no instruction; they save registers, which gcc would
 * otherwise save and restore on the stack in every call. k passes through one in every
 * round, so that gcc addresses the fields from it rather than hoisting a pointer to each
 * into a register of its own; since and ns are computed inside the loop, so that the
 * four loads they come from are dead at its end.
 */
static inline __attribute__((always_inline)) bool
pcpu_tsc_clock_read(const struct sys_kpmap *k, bool realtime, struct timespec *ts, int64_t *total)
{
	struct pcpu_tsc_slot sl;
	uint32_t w, conv;
	uint64_t ns, fresh;
	uint32_t count;
	int64_t since, age, sec;
	int32_t hz;
	struct timespec bt;

	do {
		__asm__("" : "+r"(k));
		w = (uint32_t)__atomic_load_n(&k->upticks, __ATOMIC_ACQUIRE);
		count = pcpu_tsc_count(__atomic_load_n(&k->tsc_shift, __ATOMIC_RELAXED));
		conv = (uint32_t)__atomic_load_n(&k->freq64_nsec, __ATOMIC_ACQUIRE);
		if (w & 1)
			pcpu_tsc_slot_read(k, 1, realtime, &sl);
		else
			pcpu_tsc_slot_read(k, 0, realtime, &sl);
		since = ((int64_t)sl.anchor.tv_sec - sl.secs) * 1000000000 + sl.anchor.tv_nsec;
		ns = ((uint64_t)conv * (uint32_t)(count - sl.base)) >> 32;
		__asm__("" : "+r"(since), "+r"(ns));
	} while ((uint32_t)__atomic_load_n(&k->upticks, __ATOMIC_RELAXED) != w);
	bt = sl.bt;
	hz = __atomic_load_n(&k->tick_freq, __ATOMIC_RELAXED);
	/* No clock, or a base time that is not a normalised timespec (the loop below
	 * would run for ages). */
	if (conv == 0 || (uint64_t)bt.tv_nsec >= 1000000000u)
		return false;
	fresh = pcpu_tsc_fresh_ns(hz);
	age = (int64_t)ns - since;
	/* One compare for both ends. Stale (kpmapd stopped publishing, or the count
	 * wrapped) or far before the anchor: the kernel's clock answers instead. Just
	 * before it (a slot kept over a tick without a good pair, a TSC a few cycles
	 * behind on this CPU): the anchor, as the vDSO returns its cycle_last, so that the
	 * clock stays monotonic. */
	if (__builtin_expect((uint64_t)age > fresh, 0)) {
		if (age > 0 || age < -PCPU_TSC_MAX_BEHIND_NS || since < 0 || since > UINT32_MAX)
			return false;
		ns = (uint64_t)since;
	}
	sec = (int64_t)sl.secs + bt.tv_sec;
	ns += (uint64_t)bt.tv_nsec;
	*total = sec * 1000000000 + (int64_t)ns;
	while (ns >= 1000000000u) {
		ns -= 1000000000u;
		sec++;
	}
	ts->tv_sec = (time_t)sec;
	ts->tv_nsec = (long)ns;
	return true;
}

#endif
