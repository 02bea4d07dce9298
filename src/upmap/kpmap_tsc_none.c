/* Architectures without a TSC clock: kpmap publishes none and the reader never has one. */
#include <time.h>

#include "upmap/upmap_private.h"

void pcpu_tsclock_init(struct pcpu_tsclock *c)
{
	*c = (struct pcpu_tsclock){0};
}

void pcpu_tsclock_recheck(struct pcpu_tsclock *c)
{
	(void)c;
}

void pcpu_tsclock_tick(struct pcpu_tsclock *c, struct sys_kpmap *k)
{
	struct timespec up, real;

	(void)c;
	clock_gettime(CLOCK_MONOTONIC, &up);
	clock_gettime(CLOCK_REALTIME, &real);
	pcpu_kpmap_tick(k, &up, &real);
}
