/*
 * The TSC clock of kpmap on x86_64: kpmapd's side (calibrate, decide whether the TSC is
 * trusted, pair it with the kernel's clocks every tick and steer the published rate) and
 * the reader's (ukp_clock_gettime(CLOCK_MONOTONIC/REALTIME)).
 *
 * Model. Slot s serves, at TSC count c, uptime = clock_secs[s] s + conv * (c - clock_base[s])
 * / 2^32 ns (32-bit counts, as DragonFly's), and realtime = uptime + ts_basetime[s].
 * Every tick kpmapd pairs a TSC count with CLOCK_MONOTONIC and re-anchors, so the error of
 * a slot is its rate error times its age (at most a few ticks: older slots are refused),
 * plus the pairing error (the pair is taken between two TSC reads a few hundred
 * nanoseconds apart at most). Continuity: the new slot starts where the old one is at the
 * new anchor when that is ahead of the kernel (so the clock never steps back at a slot
 * change), and its rate is steered to meet the kernel's clock at the next tick.
 */
#include <cpuid.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <x86intrin.h>

#include "upmap/upmap_private.h"

enum {
	PAIR_TRIES = 4,
	PAIR_MAX_CYCLES = 20000, /* a pair wider than this was interrupted: try again */
	MAX_AGE_TICKS = 3,	 /* a slot older than this is stale: readers fall back */
	STEP_MAX_NS = 1000000,	 /* ahead by more: re-anchor on the kernel, not continuity */
};

/* lfence first: rdtsc must not run before the loads that chose the slot (the vDSO's
 * rdtsc_ordered()), else the count could predate the slot's own anchor. */
static inline uint64_t tsc_ordered(void)
{
	_mm_lfence();
	return __rdtsc();
}

static int64_t ns_of(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

static struct timespec ts_of(int64_t ns)
{
	return (struct timespec){(time_t)(ns / 1000000000), (long)(ns % 1000000000)};
}

/* Leaf 0x15: TSC = crystal * EBX / EAX when the crystal (ECX) is enumerated. */
static int64_t tsc_from_cpuid(void)
{
	unsigned int a, b, c, d;

	if (__get_cpuid_max(0, NULL) < 0x15)
		return 0;
	__cpuid(0x15, a, b, c, d);
	(void)d;
	if (a == 0 || b == 0 || c == 0)
		return 0;
	return (int64_t)c * b / a;
}

/* The flags Linux prints when the TSC rate never changes (frequency scaling, C-states). */
static bool tsc_invariant(void)
{
	char line[4096];
	FILE *f = fopen("/proc/cpuinfo", "re");
	bool ok = false;

	if (f == NULL)
		return false;
	while (!ok && fgets(line, sizeof(line), f) != NULL)
		ok = strncmp(line, "flags", 5) == 0 && strstr(line, " constant_tsc") &&
		     strstr(line, " nonstop_tsc");
	fclose(f);
	return ok;
}

/* The kernel keeps CLOCK_MONOTONIC with the TSC: then both count the same oscillator. */
static bool clocksource_is_tsc(void)
{
	char name[64] = "";
	FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "re");

	if (f == NULL)
		return false;
	if (fgets(name, sizeof(name), f) == NULL)
		name[0] = '\0';
	fclose(f);
	return strcmp(name, "tsc\n") == 0;
}

/* Over 50 ms against CLOCK_MONOTONIC_RAW (not slewed by NTP), rounded to kHz. */
static int64_t tsc_measure(void)
{
	const struct timespec pause = {0, 50000000};
	struct timespec t0, t1;
	uint64_t c0, c1;

	clock_gettime(CLOCK_MONOTONIC_RAW, &t0);
	c0 = tsc_ordered();
	nanosleep(&pause, NULL);
	clock_gettime(CLOCK_MONOTONIC_RAW, &t1);
	c1 = tsc_ordered();
	return (int64_t)((double)(c1 - c0) * 1e6 / (double)(ns_of(&t1) - ns_of(&t0)) + 0.5) * 1000;
}

void pcpu_tsclock_init(struct pcpu_tsclock *c)
{
	bool invariant = tsc_invariant();

	*c = (struct pcpu_tsclock){0};
	c->freq = tsc_from_cpuid();
	if (c->freq == 0 && invariant)
		c->freq = tsc_measure();
	if (!invariant)
		return;
	/* 32-bit counts must hold a second and a tick: DragonFly shifts the TSC for faster
	 * ones (its tsc_shift has no kpmap type pcpu could publish). */
	if (c->freq <= 0 || c->freq >= (int64_t)UINT32_MAX * 15 / 16)
		return;
	c->rate = (uint32_t)((1000000000ULL << 32) / (uint64_t)c->freq);
	pcpu_tsclock_recheck(c);
}

void pcpu_tsclock_recheck(struct pcpu_tsclock *c)
{
	c->trusted = c->rate != 0 && clocksource_is_tsc();
	if (!c->trusted)
		c->published = false;
}

/* A TSC count and CLOCK_MONOTONIC/REALTIME at the same instant, or false when every try
 * was interrupted. The narrowest of a few tries: the first call after kpmapd wakes runs
 * with cold caches and reads the clock late in its window, which would bias the pair by
 * hundreds of nanoseconds; warm, the window is tens. */
static bool tsc_pair(uint64_t *tsc, struct timespec *up, struct timespec *real)
{
	uint64_t best = PAIR_MAX_CYCLES;

	for (int i = 0; i < PAIR_TRIES; i++) {
		struct timespec u1, r, u2;
		uint64_t t0 = tsc_ordered(), t1;

		clock_gettime(CLOCK_MONOTONIC, &u1);
		t1 = tsc_ordered();
		clock_gettime(CLOCK_REALTIME, &r);
		clock_gettime(CLOCK_MONOTONIC, &u2);
		if (t1 - t0 >= best || ns_of(&u2) - ns_of(&u1) > 2000)
			continue;
		best = t1 - t0;
		*tsc = t0 + (t1 - t0) / 2;
		*up = u1;
		/* realtime was read between the two uptimes: its offset from their middle. */
		*real = ts_of(ns_of(&r) - (ns_of(&u2) - ns_of(&u1)) / 2);
	}
	return best < PAIR_MAX_CYCLES;
}

/* What slot t serves at count (uptime in ns). */
static int64_t slot_ns(const struct pcpu_kpmap_tsc *t, uint32_t count)
{
	return (int64_t)t->clock_secs * 1000000000 +
	       (int64_t)(((uint64_t)t->conv * (uint32_t)(count - t->clock_base)) >> 32);
}

/* Counts from the start of the second to frac ns into it, rounded up so that the slot
 * serves frac at the anchor, not frac - 1. */
static uint32_t counts_for(uint32_t conv, int64_t frac)
{
	return (uint32_t)((((uint64_t)frac << 32) + conv - 1) / conv);
}

/* The rate, re-measured against CLOCK_MONOTONIC (which NTP slews) about every second. */
static void track_rate(struct pcpu_tsclock *c, uint64_t tsc, int64_t now)
{
	if (c->ref_tsc != 0 && now - c->ref_ns >= 1000000000 && tsc > c->ref_tsc) {
		uint64_t r = ((uint64_t)(now - c->ref_ns) << 32) / (tsc - c->ref_tsc);

		/* Within 1000 ppm of the calibration: anything else is a bad pair. */
		if (r > c->rate - c->rate / 1000 && r < c->rate + c->rate / 1000)
			c->rate = (uint32_t)r;
	}
	if (c->ref_tsc == 0 || now - c->ref_ns >= 1000000000) {
		c->ref_tsc = tsc;
		c->ref_ns = now;
	}
}

/* The next slot: continuous with the current one, steered to meet the kernel at the
 * next tick (period_ns away). */
static struct pcpu_kpmap_tsc next_slot(struct pcpu_tsclock *c, uint64_t tsc, int64_t truth,
				       int64_t basetime, int64_t period_ns)
{
	struct pcpu_kpmap_tsc t;
	int64_t start = truth, lead = 0, conv;

	/* One more nanosecond than the old slot: the new one serves from the moment it is
	 * published, a little after tsc, with a rate a few ppm different; over those few
	 * microseconds that is far below a nanosecond, and rounding is at most one. */
	if (c->published) {
		int64_t served = slot_ns(&c->last, (uint32_t)tsc) + 1;

		if (served > truth && served - truth < STEP_MAX_NS)
			start = served;
	}
	lead = start - truth;
	/* Slower by the lead over one period: (rate - lead * rate / period). */
	conv = (int64_t)c->rate - (int64_t)((__int128)lead * c->rate / period_ns);
	if (conv < (int64_t)c->rate - (int64_t)c->rate / 1000)
		conv = (int64_t)c->rate - (int64_t)c->rate / 1000;
	t.conv = (uint32_t)conv;
	t.clock_secs = (uint32_t)(start / 1000000000);
	t.clock_base = (uint32_t)tsc - counts_for(t.conv, start % 1000000000);
	t.basetime = ts_of(basetime);
	return t;
}

void pcpu_tsclock_tick(struct pcpu_tsclock *c, struct sys_kpmap *k)
{
	int32_t hz = __atomic_load_n(&k->tick_freq, __ATOMIC_RELAXED);
	struct timespec up, real;
	uint64_t tsc;

	if (!c->trusted || !tsc_pair(&tsc, &up, &real)) {
		clock_gettime(CLOCK_MONOTONIC, &up);
		clock_gettime(CLOCK_REALTIME, &real);
		c->published = false;
		pcpu_kpmap_tick(k, &up, &real);
		return;
	}
	track_rate(c, tsc, ns_of(&up));
	c->last = next_slot(c, tsc, ns_of(&up), ns_of(&real) - ns_of(&up),
			    1000000000 / (hz > 0 ? hz : 100));
	c->published = true;
	pcpu_kpmap_tick_tsc(k, &up, &real, &c->last);
}

/*
 * The reader. Order: upticks with acquire, then the slot and the rate with acquire (a
 * value of a later publication makes the final re-read of upticks differ: see
 * kpmap_time.c and pcpu_kpmap_tick_tsc()), then the ordered rdtsc, so the count is not
 * older than the slot it is applied to.
 */
bool pcpu_tsc_clock_read(const struct sys_kpmap *k, bool realtime, struct timespec *ts)
{
	const uint32_t *upticks = (const uint32_t *)&k->upticks;
	uint32_t w, conv, base, secs, hz;
	int64_t anchor, bt = 0, ns;
	uint64_t tsc;

	do {
		w = __atomic_load_n(upticks, __ATOMIC_ACQUIRE);
		conv = (uint32_t)__atomic_load_n(&k->freq64_nsec, __ATOMIC_ACQUIRE);
		secs = __atomic_load_n(&k->clock_secs[w & 1], __ATOMIC_ACQUIRE);
		base = __atomic_load_n(&k->clock_base[w & 1], __ATOMIC_ACQUIRE);
		anchor = (int64_t)__atomic_load_n(&k->ts_uptime[w & 1].tv_sec, __ATOMIC_ACQUIRE) *
				 1000000000 +
			 __atomic_load_n(&k->ts_uptime[w & 1].tv_nsec, __ATOMIC_ACQUIRE);
		if (realtime)
			bt = (int64_t)__atomic_load_n(&k->ts_basetime[w & 1].tv_sec,
						      __ATOMIC_ACQUIRE) *
				     1000000000 +
			     __atomic_load_n(&k->ts_basetime[w & 1].tv_nsec, __ATOMIC_ACQUIRE);
		tsc = tsc_ordered();
	} while (__atomic_load_n(upticks, __ATOMIC_RELAXED) != w);
	if (conv == 0)
		return false;
	ns = (int64_t)secs * 1000000000 +
	     (int64_t)(((uint64_t)conv * (uint32_t)((uint32_t)tsc - base)) >> 32);
	/* Stale (kpmapd stopped publishing, or the count wrapped) or not yet at the anchor:
	 * the kernel's clock answers instead. */
	hz = (uint32_t)__atomic_load_n(&k->tick_freq, __ATOMIC_RELAXED);
	if (ns < anchor || (uint64_t)(ns - anchor) * hz > MAX_AGE_TICKS * 1000000000ULL)
		return false;
	*ts = ts_of(ns + bt);
	return true;
}
