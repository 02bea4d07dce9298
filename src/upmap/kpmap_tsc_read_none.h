/* Architectures without a TSC clock: the reader never has one (kpmap_tsc_none.c). */
#ifndef PCPU_UPMAP_KPMAP_TSC_READ_NONE_H
#define PCPU_UPMAP_KPMAP_TSC_READ_NONE_H

#include <stdbool.h>
#include <time.h>

#include "upmap/upmap_private.h"

static inline bool pcpu_tsc_clock_read(const struct sys_kpmap *k, bool realtime,
				       struct timespec *ts, int64_t *total)
{
	(void)k;
	(void)realtime;
	(void)ts;
	(void)total;
	return false;
}

#endif
