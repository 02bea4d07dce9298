/*
 * ukp_clock_gettime(CLOCK_MONOTONIC/REALTIME) from kpmap's TSC clock: within 1 us of the
 * kernel's clock at the same instant, never backwards, and the kernel's clock whenever
 * the TSC clock is missing, stale or kpmapd is gone. The bound is a correctness bound:
 * each sample is bracketed by two clock_gettime() calls, so time spent preempted between
 * them widens the bracket instead of failing the test.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pcpu/upmap.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/testutil.h"
#include "upmap/kpmap_util.h"
#include "upmap/upmap_private.h"

enum { BOUND_NS = 1000, SAMPLES = 20000 };

static int64_t ns_of(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

static int file_says(const char *path, const char *needle)
{
	char buf[8192];
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return strstr(buf, needle) != NULL;
}

/* Where kpmapd must publish a TSC clock: invariant TSC, the kernel keeps time with it. */
static int tsc_trusted_here(void)
{
#if defined(__x86_64__)
	return file_says("/proc/cpuinfo", " constant_tsc") &&
	       file_says("/proc/cpuinfo", " nonstop_tsc") &&
	       file_says("/sys/devices/system/clocksource/clocksource0/current_clocksource",
			 "tsc\n");
#else
	return 0;
#endif
}

/* Largest distance of ukp's clock outside [kernel before, kernel after], over n samples;
 * also fails when one sample is earlier than the one before it. */
static int64_t worst_outside(clockid_t clock, int n)
{
	int64_t worst = 0, last = 0;

	for (int i = 0; i < n; i++) {
		struct timespec before, ukp, after;
		int64_t u;

		clock_gettime(clock, &before);
		cr_assert_eq(ukp_clock_gettime(clock, &ukp), 0);
		clock_gettime(clock, &after);
		u = ns_of(&ukp);
		if (clock == CLOCK_MONOTONIC)
			cr_assert_geq(u, last, "sample %d went back by %lld ns", i,
				      (long long)(last - u));
		last = u;
		if (ns_of(&before) - u > worst)
			worst = ns_of(&before) - u;
		if (u - ns_of(&after) > worst)
			worst = u - ns_of(&after);
	}
	return worst;
}

/* The kpmapd a test started and its path: the suite's .fini stops and removes them, so
 * that a failing assertion leaves no daemon behind. */
static pid_t started_pid;
static char *started_path;

static void stop_started(void)
{
	if (started_pid > 0)
		kp_stop(started_pid, SIGTERM);
	if (started_path != NULL)
		kp_cleanup(started_path);
	started_pid = 0;
	started_path = NULL;
}

static const struct sys_kpmap *start(void)
{
	const struct sys_kpmap *k;

	started_path = kp_private_path();
	started_pid = kp_start_kpmapd(started_path, 100);
	k = kpmap_map();
	cr_assert_not_null(k);
	return k;
}

TestSuite(kpmap_tsc, .fini = stop_started);

Test(kpmap_tsc, kpmapd_lists_the_version_2_fields_at_their_struct_offsets)
{
	const char *k = (const char *)start();

	cr_assert_eq(ukp_find(k, KPTYPE_TIMER_BASE), k + offsetof(struct sys_kpmap, timer_base));
	cr_assert_eq(ukp_find(k, KPTYPE_FREQ_NSEC), k + offsetof(struct sys_kpmap, freq64_nsec));
	cr_assert_eq(ukp_find(k, KPTYPE_CLOCK_BASE), k + offsetof(struct sys_kpmap, clock_base));
	cr_assert_eq(ukp_find(k, KPTYPE_CLOCK_SECS), k + offsetof(struct sys_kpmap, clock_secs));
	cr_assert_eq(ukp_find(k, KPTYPE_TS_BASETIME), k + offsetof(struct sys_kpmap, ts_basetime));
	cr_assert_eq(ukp_find(k, KPTYPE_TSC_SHIFT), k + offsetof(struct sys_kpmap, tsc_shift));
	cr_assert_eq(ukp_find(k, KPTYPE_FAST_GTOD), k + offsetof(struct sys_kpmap, fast_gtod));
	cr_assert_eq(((const struct sys_kpmap *)k)->tsc_shift,
		     pcpu_tsc_shift(((const struct sys_kpmap *)k)->tsc_freq));
}

/* A second and a tick of counts in 32 bits: no shift below 4 GHz, one more per doubling. */
Test(kpmap_tsc, the_tsc_shift_keeps_a_second_of_counts_in_32_bits)
{
	cr_assert_eq(pcpu_tsc_shift(0), 0);
	cr_assert_eq(pcpu_tsc_shift(-1), 0);
	cr_assert_eq(pcpu_tsc_shift(2300000000), 0);
	cr_assert_eq(pcpu_tsc_shift((int64_t)PCPU_TSC_COUNTS_MAX - 1), 0);
	cr_assert_eq(pcpu_tsc_shift((int64_t)PCPU_TSC_COUNTS_MAX), 1);
	cr_assert_eq(pcpu_tsc_shift(5000000000), 1);
	cr_assert_eq(pcpu_tsc_shift(9000000000), 2);
	cr_assert_eq(pcpu_tsc_shift(INT64_MAX), 32);
	for (int64_t f = 1000000; f < 1000000000000000; f = f * 3 / 2)
		cr_assert_lt((uint64_t)f >> pcpu_tsc_shift(f), PCPU_TSC_COUNTS_MAX, "%lld Hz",
			     (long long)f);
}

/* ns per count << 32 in 32 bits: a count must last less than a nanosecond. */
Test(kpmap_tsc, a_tsc_whose_count_lasts_a_nanosecond_has_no_rate)
{
	cr_assert_eq(pcpu_tsc_rate(2000000000, 0), 1ULL << 31);
	cr_assert_eq(pcpu_tsc_rate(3000000000, 0), (1000000000ULL << 32) / 3000000000);
	cr_assert_eq(pcpu_tsc_rate(1000000001, 0), (1000000000ULL << 32) / 1000000001);
	cr_assert_eq(pcpu_tsc_rate(5000000000, 1), (1000000000ULL << 32) / 2500000000);
	cr_assert_eq(pcpu_tsc_rate(1000000000, 0), 0, "2^32 does not fit");
	cr_assert_eq(pcpu_tsc_rate(2000000000, 1), 0);
	cr_assert_eq(pcpu_tsc_rate(800000000, 0), 0, "1.25 * 2^32 does not fit");
	cr_assert_eq(pcpu_tsc_rate(0, 0), 0);
	cr_assert_eq(pcpu_tsc_rate(-1, 0), 0);
	cr_assert_eq(pcpu_tsc_rate(INT64_MAX, 64), 0);
}

Test(kpmap_tsc, kpmapd_publishes_the_tsc_clock_exactly_when_the_tsc_is_trusted)
{
	const struct sys_kpmap *k = start();

	usleep(50000);
	if (tsc_trusted_here()) {
		cr_assert_neq(k->freq64_nsec, 0, "trusted TSC, no TSC clock");
		cr_assert_gt(k->tsc_freq, 0);
		/* ns per count << 32 is 10^9 << 32 / Hz, within the 1000 ppm of steering. */
		cr_assert_lt(llabs(k->freq64_nsec -
				   (int64_t)((1000000000ULL << 32) / (uint64_t)k->tsc_freq)),
			     k->freq64_nsec / 1000);
	} else {
		cr_assert_eq(k->freq64_nsec, 0, "no trusted TSC, yet a TSC clock");
	}
}

Test(kpmap_tsc, monotonic_and_realtime_are_within_a_microsecond_of_the_kernel)
{
	int64_t mono, real;

	start();
	if (!tsc_trusted_here())
		cr_skip_test("no trusted TSC on this machine: the kernel's clock answers");
	usleep(50000);
	mono = worst_outside(CLOCK_MONOTONIC, SAMPLES);
	real = worst_outside(CLOCK_REALTIME, SAMPLES);
	cr_log_info("worst outside the kernel's bracket: monotonic %lld ns, realtime %lld ns",
		    (long long)mono, (long long)real);
	cr_assert_leq(mono, BOUND_NS, "CLOCK_MONOTONIC off by %lld ns", (long long)mono);
	cr_assert_leq(real, BOUND_NS, "CLOCK_REALTIME off by %lld ns", (long long)real);
}

/* Across a second of slot changes and rate steering: still bounded, never backwards. */
Test(kpmap_tsc, monotonic_never_goes_back_across_re_anchoring, .timeout = 60)
{
	struct timespec t0, t;

	start();
	if (!tsc_trusted_here())
		cr_skip_test("no trusted TSC on this machine");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		cr_assert_leq(worst_outside(CLOCK_MONOTONIC, 2000), BOUND_NS);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (ns_of(&t) - ns_of(&t0) < 1500000000);
}

Test(kpmap_tsc, a_killed_kpmapd_leaves_the_kernel_clock_answering)
{
	start();
	cr_assert_eq(kp_stop(started_pid, SIGKILL), 128 + SIGKILL);
	started_pid = 0;
	cr_assert_eq(worst_outside(CLOCK_MONOTONIC, 1000), 0);
	cr_assert_eq(worst_outside(CLOCK_REALTIME, 1000), 0);
}

/* A map planted by this process: its TSC clock is whatever we put there. */
static struct pcpu_kpmap_writer plant(void)
{
	struct pcpu_kpmap_writer w;

	started_path = kp_private_path();
	cr_assert_eq(pcpu_kpmap_create(&w, started_path, 100, 0, 0), 0);
	return w;
}

/* The slot of kpmapd's clock for counts of the TSC >> shift, but lead_s ahead: a reader
 * that uses it shows the lead. With a shift that kpmapd would not choose for this TSC
 * (pcpu_tsc_shift() shifts only one of 4 GHz or more), a count can last a nanosecond or
 * longer, a rate that conv's 32 bits cannot hold (a 2 GHz TSC >> 1 needs 2^32, and
 * pcpu_tsc_rate() says 0): the largest conv stands in, and the count of the anchor's
 * nanoseconds is made with that same conv, so only the microseconds between planting and
 * reading run at its rate. */
static struct pcpu_kpmap_tsc slot_ahead(struct timespec *up, struct timespec *real, uint32_t shift,
					time_t lead_s)
{
	struct pcpu_tsclock c;
	uint64_t now = 0, conv;

	pcpu_tsclock_init(&c);
	pcpu_tsclock_recheck(&c);
	if (!c.trusted)
		cr_skip_test("no trusted TSC on this machine");
	conv = pcpu_tsc_rate(c.freq, shift);
	if (conv == 0)
		conv = UINT32_MAX;
#if defined(__x86_64__)
	now = __builtin_ia32_rdtsc();
#endif
	clock_gettime(CLOCK_MONOTONIC, up);
	clock_gettime(CLOCK_REALTIME, real);
	up->tv_sec += lead_s;
	return (struct pcpu_kpmap_tsc){
		.conv = (uint32_t)conv,
		.clock_secs = (uint32_t)up->tv_sec,
		.clock_base =
			(uint32_t)(now >> shift) - (uint32_t)(((uint64_t)up->tv_nsec << 32) / conv),
		.basetime = {real->tv_sec - up->tv_sec, 0},
	};
}

/* Plants a slot for counts of the TSC >> shift, with that tsc_shift, 1000 s ahead, then
 * the other slot 2000 s ahead, and checks that ukp's CLOCK_MONOTONIC minus the kernel's
 * is each planted lead, and its CLOCK_REALTIME each slot's base time (one more second in
 * the second) plus the time since the anchor: a reader that chose the slot wrongly for
 * one parity of upticks shows the other slot's lead. */
static void assert_a_planted_slot_is_read(uint32_t shift)
{
	struct pcpu_kpmap_writer w = plant();

	w.map->tsc_shift = shift;
	for (time_t n = 1; n <= 2; n++) {
		struct timespec up, real, ukp, sys;
		struct pcpu_kpmap_tsc t = slot_ahead(&up, &real, shift, 1000 * n);
		int64_t real_at_anchor;

		t.basetime.tv_sec += n;
		real_at_anchor = ns_of(&up) + ns_of(&t.basetime);
		pcpu_kpmap_tick_tsc(w.map, &up, &real, &t);
		cr_assert_not_null(kpmap_map());
		cr_assert_eq(ukp_clock_gettime(CLOCK_MONOTONIC, &ukp), 0);
		clock_gettime(CLOCK_MONOTONIC, &sys);
		cr_assert_lt(llabs(ns_of(&ukp) - ns_of(&sys) - 1000000000000LL * n), 1000000,
			     "slot %u was not read: %lld ns apart", w.map->upticks & 1,
			     (long long)(ns_of(&ukp) - ns_of(&sys)));
		cr_assert_eq(ukp_clock_gettime(CLOCK_REALTIME, &ukp), 0);
		cr_assert_lt(llabs(ns_of(&ukp) - real_at_anchor), 1000000,
			     "slot %u's real time was not read: %lld ns from its anchor",
			     w.map->upticks & 1, (long long)(ns_of(&ukp) - real_at_anchor));
	}
	pcpu_kpmap_retire(&w);
}

Test(kpmap_tsc, the_reader_serves_the_published_slot)
{
	assert_a_planted_slot_is_read(0);
}

/* As kpmapd publishes for a TSC of 4 GHz or more: counts of the TSC >> 1 (one count must
 * stay under a nanosecond, as conv is a uint32_t). A reader that does not shift counts
 * twice the time since the anchor and fails the age check or shows the error. */
Test(kpmap_tsc, the_reader_shifts_the_tsc_by_tsc_shift)
{
	assert_a_planted_slot_is_read(1);
}

/* Plants a map whose uint32_t field at offset is value, which clients must refuse. */
static void assert_refused_with(size_t offset, uint32_t value)
{
	struct pcpu_kpmap_writer w = plant();

	*(uint32_t *)((char *)w.map + offset) = value;
	errno = 0;
	cr_assert_null(kpmap_map());
	cr_assert_eq(errno, EINVAL, "%s", strerror(errno));
	pcpu_kpmap_retire(&w);
}

/* No pcpu_tsc_shift() is above 32, and a shift of 64 or more would be undefined. */
Test(kpmap_tsc, a_map_with_a_tsc_shift_above_32_is_refused)
{
	assert_refused_with(offsetof(struct sys_kpmap, tsc_shift), 33);
}

/* The reader does not add timer_base, so a map that has one is not read. */
Test(kpmap_tsc, a_map_with_a_timer_base_is_refused)
{
	assert_refused_with(offsetof(struct sys_kpmap, timer_base), 1);
}

/* Plants a slot whose anchor lies by_ns from what its clock serves (as an uptime a tick
 * took the pair at) and checks that the kernel's clock answers instead. */
static void assert_a_slot_anchored_at_is_not_served(int64_t by_ns)
{
	struct pcpu_kpmap_writer w = plant();
	struct timespec up, real;
	struct pcpu_kpmap_tsc t = slot_ahead(&up, &real, 0, 1000);
	int64_t anchor = ns_of(&up) + by_ns;

	up.tv_sec = (time_t)(anchor / 1000000000);
	up.tv_nsec = (long)(anchor % 1000000000);
	pcpu_kpmap_tick_tsc(w.map, &up, &real, &t);
	cr_assert_not_null(kpmap_map());
	cr_assert_eq(worst_outside(CLOCK_MONOTONIC, 100), 0);
	pcpu_kpmap_retire(&w);
}

/* Anchored 50 ms before what its clock serves: 5 ticks old. */
Test(kpmap_tsc, a_slot_older_than_three_ticks_is_not_served)
{
	assert_a_slot_anchored_at_is_not_served(-50000000);
}

Test(kpmap_tsc, no_tsc_clock_means_the_kernel_clock)
{
	struct pcpu_kpmap_writer w = plant();
	struct timespec up, real;

	clock_gettime(CLOCK_MONOTONIC, &up);
	clock_gettime(CLOCK_REALTIME, &real);
	pcpu_kpmap_tick_tsc(w.map, &up, &real, NULL);
	cr_assert_not_null(kpmap_map());
	cr_assert_eq(w.map->freq64_nsec, 0);
	cr_assert_eq(worst_outside(CLOCK_MONOTONIC, 100), 0);
	cr_assert_eq(worst_outside(CLOCK_REALTIME, 100), 0);
	pcpu_kpmap_retire(&w);
}

/* A slot whose anchor lies 2 ms after what its clock serves: far more than a TSC a few
 * cycles behind, so the reader takes the map for inconsistent (one unsigned compare
 * covers this end and staleness: a signed one would serve it). */
Test(kpmap_tsc, a_slot_anchored_after_its_clock_is_not_served)
{
	assert_a_slot_anchored_at_is_not_served(2000000);
}

/* The map was checked with a tick rate; its writer then zeroes it. No slot is fresh at
 * 0 ticks a second (and the bound is not divided by 0): the kernel's clock answers. */
Test(kpmap_tsc, a_tick_freq_zeroed_after_the_check_leaves_the_kernel_clock_answering)
{
	struct pcpu_kpmap_writer w = plant();
	struct timespec up, real, ukp;
	struct pcpu_kpmap_tsc t = slot_ahead(&up, &real, 0, 1000);

	pcpu_kpmap_tick_tsc(w.map, &up, &real, &t);
	cr_assert_not_null(kpmap_map());
	cr_assert_eq(ukp_clock_gettime(CLOCK_MONOTONIC, &ukp), 0);
	cr_assert_gt(ukp.tv_sec, up.tv_sec - 10, "the planted slot was not read first");
	__atomic_store_n(&w.map->tick_freq, 0, __ATOMIC_RELAXED);
	cr_assert_eq(worst_outside(CLOCK_REALTIME, 100), 0);
	pcpu_kpmap_retire(&w);
}

/* A base time whose nanoseconds are not below 10^9 is not a time: the reader would
 * count its seconds out one by one. The kernel's clock answers, at once. */
Test(kpmap_tsc, a_base_time_that_is_not_normalised_is_not_served, .timeout = 10)
{
	struct pcpu_kpmap_writer w = plant();
	struct timespec up, real;
	struct pcpu_kpmap_tsc t = slot_ahead(&up, &real, 0, 1000);

	t.basetime.tv_nsec = (long)1 << 62;
	pcpu_kpmap_tick_tsc(w.map, &up, &real, &t);
	cr_assert_not_null(kpmap_map());
	cr_assert_eq(worst_outside(CLOCK_REALTIME, 100), 0);
	pcpu_kpmap_retire(&w);
}
