/*
 * ukp_find() and the kpmap check over arbitrary map bytes: whatever the header says, a
 * returned field lies past the header array, inside the map, aligned, and of the asked
 * type; the check never reads outside the map.
 */
#include <pcpu/upmap.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "upmap/upmap_private.h"

static const uint16_t types[] = {
	UKPTYPE_VERSION,    UPTYPE_RUNTICKS,	UPTYPE_FORKID,	  UPTYPE_PID,
	UPTYPE_PROC_TITLE,  UPTYPE_INVFORK,	KPTYPE_UPTICKS,	  KPTYPE_TS_UPTIME,
	KPTYPE_TS_REALTIME, KPTYPE_TSC_FREQ,	KPTYPE_TICK_FREQ, KPTYPE_FAST_GTOD,
	KPTYPE_PCPU_ALIVE,  KPTYPE_TIMER_BASE,	KPTYPE_FREQ_NSEC, KPTYPE_CLOCK_BASE,
	KPTYPE_CLOCK_SECS,  KPTYPE_TS_BASETIME, 0x0F7F,		  0x8F01,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *map;

	if (map == NULL && (map = aligned_alloc(4096, KPMAP_MAPSIZE)) == NULL)
		return 0;
	memset(map, 0, KPMAP_MAPSIZE);
	memcpy(map, data, size < KPMAP_MAPSIZE ? size : KPMAP_MAPSIZE);
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		const char *f = ukp_find(map, types[i]);
		size_t width = (size_t)UKPLEN_DECODE(types[i]);

		if (f == NULL)
			continue;
		if (f < map + 256 || f + width > map + KPMAP_MAPSIZE ||
		    (size_t)(f - map) %
				    (types[i] == KPTYPE_CLOCK_BASE || types[i] == KPTYPE_CLOCK_SECS
					     ? 4
					     : (width < 8 ? width : 8)) !=
			    0)
			abort();
	}
	if (pcpu_kpmap_check(map) == 0 && ((struct sys_kpmap *)map)->version != KPMAP_VERSION)
		abort();
	return 0;
}
