/* ukp_find(): the header walk shared by upmap and kpmap. */
#include <errno.h>
#include <pcpu/upmap.h>

enum { UKP_HEADER_MAX = 64 };

/* DragonFly's clock_base and clock_secs are uint32_t[2]: width code 8, 4-byte elements
 * at 4-byte offsets (388 and 396). */
static size_t field_align(uint16_t type, size_t width)
{
	if (type == KPTYPE_CLOCK_BASE || type == KPTYPE_CLOCK_SECS)
		return 4;
	return width < 8 ? width : 8;
}

/*
 * The map may come from another process (kpmap), so every entry is bounded: at most 64
 * entries, the field past the header array, inside the map, aligned to its width (up to
 * 8) so that fast paths can load it atomically. Both maps are 65536 bytes.
 */
void *ukp_find(const void *map, uint16_t type)
{
	const ukpheader_t *h = map;
	const size_t size = (type & 0x8000) ? KPMAP_MAPSIZE : UPMAP_MAPSIZE;
	const size_t width = (size_t)UKPLEN_DECODE(type);
	const size_t align = field_align(type, width);

	if (map == NULL || type == 0) {
		errno = EINVAL;
		return NULL;
	}
	for (int i = 0; i < UKP_HEADER_MAX; i++) {
		uint16_t t = __atomic_load_n(&h[i].type, __ATOMIC_RELAXED);
		size_t off = __atomic_load_n(&h[i].offset, __ATOMIC_RELAXED);

		if (t == 0)
			break;
		if (t != type)
			continue;
		if (off < UKP_HEADER_MAX * sizeof(ukpheader_t) || off + width > size ||
		    off % align != 0)
			break;
		return (char *)map + off;
	}
	errno = ENOENT;
	return NULL;
}
