/* The TSC frequency for kpmap's tsc_freq: from CPUID when the CPU states it, else
 * measured against CLOCK_MONOTONIC_RAW when the TSC is invariant, else 0. */
#include "tsc.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <x86intrin.h>

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
static int tsc_invariant(void)
{
	char line[4096];
	FILE *f = fopen("/proc/cpuinfo", "re");
	int ok = 0;

	if (f == NULL)
		return 0;
	while (!ok && fgets(line, sizeof(line), f) != NULL)
		ok = strncmp(line, "flags", 5) == 0 && strstr(line, " constant_tsc") &&
		     strstr(line, " nonstop_tsc");
	fclose(f);
	return ok;
}

static int64_t ns_of(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

static int64_t tsc_measure(void)
{
	const struct timespec pause = {0, 50000000};
	struct timespec t0, t1;
	uint64_t c0, c1;

	clock_gettime(CLOCK_MONOTONIC_RAW, &t0);
	c0 = __rdtsc();
	nanosleep(&pause, NULL);
	clock_gettime(CLOCK_MONOTONIC_RAW, &t1);
	c1 = __rdtsc();
	/* Rounded to kHz: the measurement is not finer than that. */
	return (int64_t)((double)(c1 - c0) * 1e6 / (double)(ns_of(&t1) - ns_of(&t0)) + 0.5) * 1000;
}

int64_t kpmapd_tsc_freq(void)
{
	int64_t hz = tsc_from_cpuid();

	if (hz == 0 && tsc_invariant())
		hz = tsc_measure();
	return hz;
}
#else
int64_t kpmapd_tsc_freq(void)
{
	return 0;
}
#endif
