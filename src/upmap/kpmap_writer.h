/*
 * kpmap's publisher: what kpmapd(8), the tests and the benchmarks use to write a kpmap.
 * Built into the internal library pcpu_kpmap_writer (src/upmap/CMakeLists.txt), not into
 * libpcpu; the one header kpmapd includes.
 */
#ifndef PCPU_UPMAP_KPMAP_WRITER_H
#define PCPU_UPMAP_KPMAP_WRITER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <pcpu/upmap.h>

/* $PCPU_KPMAP when set and non-empty, else /dev/shm/kpmap (libpcpu's, for clients too). */
const char *pcpu_kpmap_path(void);

struct pcpu_kpmap_writer {
	struct sys_kpmap *map;
	char *path;
	dev_t dev;
	ino_t ino;
};

/* Creates a new kpmap (0644, O_EXCL|O_NOFOLLOW temp file in path's directory, then
 * renamed over path so running clients keep their old map until it is retired).
 * 0, or -1 with errno. */
int pcpu_kpmap_create(struct pcpu_kpmap_writer *w, const char *path, int hz, int64_t tsc_freq,
		      int fast_gtod);

/* Publishes one tick: fills slot (upticks + 1) & 1 and then bumps upticks. */
void pcpu_kpmap_tick(struct sys_kpmap *k, const struct timespec *uptime,
		     const struct timespec *realtime);

/* DragonFly's TSC clock for one slot (<pcpu/upmap.h>): the count (rdtsc() >> tsc_shift)
 * + timer_base (timer_base is 0 here) was clock_base at the start of second clock_secs
 * of uptime, a count is conv / 2^32 ns (conv 0: no TSC clock), and realtime is uptime +
 * basetime. */
struct pcpu_kpmap_tsc {
	uint32_t conv;
	uint32_t clock_base, clock_secs;
	struct timespec basetime;
};

/* Counts per second the 32-bit count may take: a second and a tick (hz >= 16) in 32 bits. */
#define PCPU_TSC_COUNTS_MAX ((uint64_t)UINT32_MAX / 16 * 15)

/* The tsc_shift of a TSC of tsc_freq Hz, which pcpu_kpmap_create() publishes: the least
 * that brings its counts per second below PCPU_TSC_COUNTS_MAX (0 below 4 GHz). */
uint32_t pcpu_tsc_shift(int64_t tsc_freq);

/* Nanoseconds per count << 32 of a TSC of tsc_freq Hz counted >> shift, or 0 when a count
 * lasts a nanosecond or longer (a TSC of 1 GHz or slower unshifted), which the 32 bits of
 * freq64_nsec cannot hold: such a TSC is not trusted, and the kernel's clock answers. */
uint32_t pcpu_tsc_rate(int64_t tsc_freq, uint32_t shift);

/* pcpu_kpmap_tick() with the TSC clock of the slot, or none (freq64_nsec 0) when NULL. */
void pcpu_kpmap_tick_tsc(struct sys_kpmap *k, const struct timespec *uptime,
			 const struct timespec *realtime, const struct pcpu_kpmap_tsc *tsc);

/* kpmapd's TSC clock (kpmap_tsc_<arch>.c): calibration, trust and steering state. */
struct pcpu_tsclock {
	int64_t freq;	/* Hz against CLOCK_MONOTONIC_RAW, 0: no usable TSC */
	bool trusted;	/* invariant TSC and the kernel's clocksource is tsc */
	bool published; /* last is what the current slot serves */
	int kept;	/* ticks last was kept for lack of a good pair */
	struct pcpu_kpmap_tsc last;
	uint64_t ref_tsc; /* a pairing about a second old, for the rate */
	int64_t ref_ns;
	uint32_t shift; /* pcpu_tsc_shift(freq): a count is the TSC >> shift */
	uint32_t rate;	/* ns per count << 32 measured against CLOCK_MONOTONIC */
};

/* Measures the TSC (may sleep 50 ms) and checks that it can be trusted. */
void pcpu_tsclock_init(struct pcpu_tsclock *c);

/* Checks again whether the kernel still keeps time with the TSC (once a second). */
void pcpu_tsclock_recheck(struct pcpu_tsclock *c);

/* Reads the clocks and publishes one tick of k, with the TSC clock when trusted. */
void pcpu_tsclock_tick(struct pcpu_tsclock *c, struct sys_kpmap *k);

/* Registers the alive word as this thread's robust futex (single-threaded writers only:
 * it replaces glibc's robust list). 0, or -1 with errno. */
int pcpu_kpmap_guard(struct pcpu_kpmap_writer *w);

/* Whether path now names another file: a newer kpmapd renamed its map over ours. */
bool pcpu_kpmap_replaced(const struct pcpu_kpmap_writer *w);

/* Marks the map dead for clients, unlinks path if it is still this map, unmaps. */
void pcpu_kpmap_retire(struct pcpu_kpmap_writer *w);

#endif
