#include "kcpuset/maxcpu.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Ids above this are not plausible on any Linux configuration (NR_CPUS max is 8192). */
#define MAXCPU_CAP 65536u

static unsigned int maxcpu_value;
static pthread_once_t maxcpu_once = PTHREAD_ONCE_INIT;
/* What pcpu_setmaxcpu() asked for before the count was fixed; read by maxcpu_init. */
static pthread_mutex_t request_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned int requested;
static int fixed;

/* The possible list is "0-N" or a cpulist; the last id is its largest number. */
static unsigned int possible_from_sysfs(void)
{
	FILE *f = fopen("/sys/devices/system/cpu/possible", "re");
	unsigned long largest = 0, n;
	int c, seen = 0;

	if (f == NULL)
		return 0;
	while ((c = fgetc(f)) != EOF) {
		if (c < '0' || c > '9')
			continue;
		n = (unsigned long)(c - '0');
		while ((c = fgetc(f)) >= '0' && c <= '9' && n < MAXCPU_CAP)
			n = n * 10 + (unsigned long)(c - '0');
		if (n > largest)
			largest = n;
		seen = 1;
	}
	fclose(f);
	return seen && largest < MAXCPU_CAP ? (unsigned int)largest + 1 : 0;
}

static unsigned int override_from_env(void)
{
	const char *s = getenv("PCPU_MAXCPU");
	char *end;
	unsigned long v;

	if (s == NULL || *s == '\0')
		return 0;
	v = strtoul(s, &end, 10);
	if (*end != '\0' || v > MAXCPU_CAP)
		return 0;
	return (unsigned int)v;
}

static void maxcpu_init(void)
{
	unsigned int n = possible_from_sysfs(), env = override_from_env();
	long conf;

	if (n == 0) {
		conf = sysconf(_SC_NPROCESSORS_CONF);
		n = conf > 0 ? (unsigned int)conf : 1;
	}
	pthread_mutex_lock(&request_lock);
	if (requested > env)
		env = requested;
	fixed = 1;
	pthread_mutex_unlock(&request_lock);
	maxcpu_value = env > n ? env : n;
}

int pcpu_setmaxcpu(unsigned int n)
{
	int late;

	if (n == 0 || n > MAXCPU_CAP)
		return EINVAL;
	pthread_mutex_lock(&request_lock);
	late = fixed;
	if (!late && n > requested)
		requested = n;
	pthread_mutex_unlock(&request_lock);
	return late && pcpu_maxcpu() < n ? EBUSY : 0;
}

unsigned int pcpu_maxcpu(void)
{
	pthread_once(&maxcpu_once, maxcpu_init);
	return maxcpu_value;
}
