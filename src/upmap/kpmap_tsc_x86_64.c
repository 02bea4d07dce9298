/*
 * The TSC clock of kpmap on x86_64: kpmapd's side (calibrate, decide whether the TSC is
 * trusted, pair it with the kernel's clocks every tick and steer the published rate) and
 * the reader's (ukp_clock_gettime(CLOCK_MONOTONIC/REALTIME)).
 *
 * Model. Slot s serves, at count c = (TSC >> tsc_shift) + timer_base, uptime = clock_secs[s] s
 * + conv * (c - clock_base[s]) / 2^32 ns (32-bit counts, as DragonFly's; timer_base is 0
 * here), and realtime = uptime + ts_basetime[s].
 * Every tick kpmapd pairs a TSC count with CLOCK_MONOTONIC and re-anchors, so the error of
 * a slot is its rate error times its age (at most a few ticks: older slots are refused),
 * plus the pairing error (the pair is taken between two TSC reads at most 400 ns apart,
 * and the realtime offset between two uptimes as close; a tick without such a pair has
 * no TSC clock, and readers use the vDSO for it). Continuity: the new slot starts where the old one
 * is at the new anchor when that is ahead of the kernel (so the clock never steps back at a slot
 * change), and its rate is steered to meet the kernel's clock at the next tick.
 */
#include <cpuid.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <x86intrin.h>

#include "upmap/kpmap_tsc_read_x86_64.h"
#include "upmap/upmap_private.h"

enum {
	PAIR_TRIES = 4,
	PAIR_MAX_NS = 400,     /* a wider pair was interrupted: its error is half of it */
	KEEP_TICKS = 2,	       /* ticks a slot is kept without a good pair */
	STEP_MAX_NS = 1000000, /* ahead by more: re-anchor on the kernel, not continuity */
};

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

/* A TSC count at the time CLOCK_MONOTONIC_RAW read *ns: the middle of the narrowest of
 * eight brackets, so that a preemption between the two reads does not skew it. */
static uint64_t raw_pair(int64_t *ns)
{
	uint64_t best = UINT64_MAX, tsc = 0;

	for (int i = 0; i < 8; i++) {
		struct timespec r;
		uint64_t t0 = pcpu_tsc_ordered(), t1;

		clock_gettime(CLOCK_MONOTONIC_RAW, &r);
		t1 = pcpu_tsc_ordered();
		if (t1 - t0 < best) {
			best = t1 - t0;
			tsc = t0 + (t1 - t0) / 2;
			*ns = ns_of(&r);
		}
	}
	return tsc;
}

/* Over 50 ms against CLOCK_MONOTONIC_RAW (not slewed by NTP), rounded to kHz: with
 * brackets of tens of nanoseconds at both ends, within about 1 ppm. */
static int64_t tsc_measure(void)
{
	const struct timespec pause = {0, 50000000};
	int64_t n0, n1;
	uint64_t c0 = raw_pair(&n0), c1;

	nanosleep(&pause, NULL);
	c1 = raw_pair(&n1);
	return (int64_t)((double)(c1 - c0) * 1e6 / (double)(n1 - n0) + 0.5) * 1000;
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
	/* 32-bit counts must hold a second and a tick: a faster TSC is shifted, as on
	 * DragonFly, by the tsc_shift pcpu_kpmap_create() publishes for this frequency. */
	if (c->freq <= 0)
		return;
	c->shift = pcpu_tsc_shift(c->freq);
	c->rate = pcpu_tsc_rate(c->freq, c->shift);
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
static bool tsc_pair(const struct pcpu_tsclock *c, uint64_t *tsc, struct timespec *up,
		     struct timespec *real)
{
	uint64_t best = (uint64_t)c->freq * PAIR_MAX_NS / 1000000000u;
	bool found = false;

	for (int i = 0; i < PAIR_TRIES; i++) {
		struct timespec u1, r, u2;
		uint64_t t0 = pcpu_tsc_ordered(), t1;

		clock_gettime(CLOCK_MONOTONIC, &u1);
		t1 = pcpu_tsc_ordered();
		clock_gettime(CLOCK_REALTIME, &r);
		clock_gettime(CLOCK_MONOTONIC, &u2);
		if (t1 - t0 >= best || ns_of(&u2) - ns_of(&u1) > PAIR_MAX_NS)
			continue;
		best = t1 - t0;
		found = true;
		*tsc = t0 + (t1 - t0) / 2;
		*up = u1;
		/* realtime was read between the two uptimes: its offset from their middle. */
		*real = ts_of(ns_of(&r) - (ns_of(&u2) - ns_of(&u1)) / 2);
	}
	return found;
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
		uint64_t r = ((uint64_t)(now - c->ref_ns) << 32) / ((tsc - c->ref_tsc) >> c->shift);

		/* Within 1000 ppm of the calibration, and in the 32 bits of the rate (as
		 * pcpu_tsc_rate() made the first): anything else is a bad pair. */
		if (r > c->rate - c->rate / 1000 && r < c->rate + c->rate / 1000 && r <= UINT32_MAX)
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
	uint32_t count = (uint32_t)(tsc >> c->shift);
	int64_t start = truth, lead = 0, conv;

	/* One more nanosecond than the old slot: the new one serves from the moment it is
	 * published, a little after tsc, with a rate a few ppm different; over those few
	 * microseconds that is far below a nanosecond, and rounding is at most one. */
	if (c->published) {
		int64_t served = slot_ns(&c->last, count) + 1;

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
	t.clock_base = count - counts_for(t.conv, start % 1000000000);
	t.basetime = ts_of(basetime);
	return t;
}

void pcpu_tsclock_tick(struct pcpu_tsclock *c, struct sys_kpmap *k)
{
	int32_t hz = __atomic_load_n(&k->tick_freq, __ATOMIC_RELAXED);
	struct timespec up, real;
	uint64_t tsc;

	if (!c->trusted || !tsc_pair(c, &tsc, &up, &real)) {
		clock_gettime(CLOCK_MONOTONIC, &up);
		clock_gettime(CLOCK_REALTIME, &real);
		/* No good pair (preempted every try): keep the current slot for a tick or
		 * two rather than send readers to the vDSO, whose clock may be a little
		 * behind ours, which would step them back. */
		if (c->trusted && c->published && c->kept < KEEP_TICKS) {
			c->kept++;
			pcpu_kpmap_tick_tsc(k, &up, &real, &c->last);
			return;
		}
		c->published = false;
		pcpu_kpmap_tick(k, &up, &real);
		return;
	}
	c->kept = 0;
	track_rate(c, tsc, ns_of(&up));
	c->last = next_slot(c, tsc, ns_of(&up), ns_of(&real) - ns_of(&up),
			    1000000000 / (hz > 0 ? hz : 100));
	c->published = true;
	pcpu_kpmap_tick_tsc(k, &up, &real, &c->last);
}
