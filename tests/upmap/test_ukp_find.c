#include <criterion/criterion.h>
#include <errno.h>
#include <pcpu/upmap.h>
#include <stdlib.h>
#include <string.h>

static ukpheader_t *blank_map(void)
{
	ukpheader_t *map = calloc(1, UPMAP_MAPSIZE);

	cr_assert_not_null(map);
	return map;
}

Test(ukp_find, finds_every_upmap_field_at_its_struct_offset)
{
	char *map = upmap_map();

	cr_assert_not_null(map);
	cr_assert_eq(ukp_find(map, UKPTYPE_VERSION), map + offsetof(struct sys_upmap, version));
	cr_assert_eq(ukp_find(map, UPTYPE_RUNTICKS), map + offsetof(struct sys_upmap, runticks));
	cr_assert_eq(ukp_find(map, UPTYPE_FORKID), map + offsetof(struct sys_upmap, forkid));
	cr_assert_eq(ukp_find(map, UPTYPE_INVFORK), map + offsetof(struct sys_upmap, invfork));
	cr_assert_eq(ukp_find(map, UPTYPE_PID), map + offsetof(struct sys_upmap, pid));
	cr_assert_eq(ukp_find(map, UPTYPE_PROC_TITLE),
		     map + offsetof(struct sys_upmap, proc_title));
	cr_assert_eq(*(uint32_t *)ukp_find(map, UKPTYPE_VERSION), UPMAP_VERSION);
}

Test(ukp_find, type_numbers_are_dragonflys)
{
	cr_assert_eq(UKPTYPE_VERSION, 0x0201);
	cr_assert_eq(UPTYPE_RUNTICKS, 0x0210);
	cr_assert_eq(UPTYPE_FORKID, 0x0311);
	cr_assert_eq(UPTYPE_PID, 0x0212);
	cr_assert_eq(UPTYPE_PROC_TITLE, 0x0A13);
	cr_assert_eq(UPTYPE_INVFORK, 0x0214);
	cr_assert_eq(KPTYPE_UPTICKS, 0x8200);
	cr_assert_eq(KPTYPE_TS_UPTIME, 0x8501);
	cr_assert_eq(KPTYPE_TS_REALTIME, 0x8502);
	cr_assert_eq(KPTYPE_TSC_FREQ, 0x8303);
	cr_assert_eq(KPTYPE_TICK_FREQ, 0x8304);
	cr_assert_eq(KPTYPE_FAST_GTOD, 0x8205);
	cr_assert_eq(UKPLEN_DECODE(UPTYPE_PROC_TITLE), 1024);
	cr_assert_eq(UKPLEN_DECODE(KPTYPE_TS_REALTIME), 2 * sizeof(struct timespec));
}

/* DragonFly's <sys/upmap.h> at KPMAP_VERSION 2: the TSC-clock fields, widths included
 * (clock_base and clock_secs are uint32_t[2], ts_basetime a timespec[2]). */
Test(ukp_find, kpmap_version_2_type_numbers_are_dragonflys)
{
	cr_assert_eq(KPMAP_VERSION, 2);
	cr_assert_eq(KPTYPE_TIMER_BASE, 0x8206);
	cr_assert_eq(KPTYPE_FREQ_NSEC, 0x8307);
	cr_assert_eq(KPTYPE_CLOCK_BASE, 0x8308);
	cr_assert_eq(KPTYPE_CLOCK_SECS, 0x8309);
	cr_assert_eq(KPTYPE_TS_BASETIME, 0x850a);
	cr_assert_eq(UKPLEN_DECODE(KPTYPE_CLOCK_BASE), sizeof(((struct sys_kpmap *)0)->clock_base));
	cr_assert_eq(UKPLEN_DECODE(KPTYPE_CLOCK_SECS), sizeof(((struct sys_kpmap *)0)->clock_secs));
	cr_assert_eq(UKPLEN_DECODE(KPTYPE_TS_BASETIME),
		     sizeof(((struct sys_kpmap *)0)->ts_basetime));
	cr_assert_eq(UKPLEN_DECODE(KPTYPE_FREQ_NSEC), sizeof(((struct sys_kpmap *)0)->freq64_nsec));
	cr_assert_eq(UKPLEN_DECODE(KPTYPE_TIMER_BASE), sizeof(((struct sys_kpmap *)0)->timer_base));
}

/* KPTYPE_TSC_SHIFT: DragonFly's name and width (a uint32_t), but not its development
 * branch's number 0x8205, which is KPTYPE_FAST_GTOD's in the layout followed here: a
 * lookup of either must find its own field. */
Test(ukp_find, kpmap_tsc_shift_has_dragonflys_width_and_an_id_of_its_own)
{
	cr_assert_eq(KPTYPE_TSC_SHIFT, 0x820b);
	cr_assert_eq(UKPLEN_DECODE(KPTYPE_TSC_SHIFT), sizeof(((struct sys_kpmap *)0)->tsc_shift));
	cr_assert_neq(KPTYPE_TSC_SHIFT & 0xF0FF, KPTYPE_FAST_GTOD & 0xF0FF);
}

Test(ukp_find, same_id_with_another_width_is_not_found)
{
	ukpheader_t *map = blank_map();

	map[0] = (ukpheader_t){UPTYPE_PID, 276};
	cr_assert_null(ukp_find(map, (0x0012 | UKPLEN_8)));
	cr_assert_eq(errno, ENOENT);
	cr_assert_eq(ukp_find(map, UPTYPE_PID), (char *)map + 276);
	free(map);
}

Test(ukp_find, field_past_the_map_end_is_rejected)
{
	ukpheader_t *map = blank_map();

	map[0] = (ukpheader_t){UPTYPE_PROC_TITLE, UPMAP_MAPSIZE - 1000};
	cr_assert_null(ukp_find(map, UPTYPE_PROC_TITLE));
	cr_assert_eq(errno, ENOENT);
	map[0].offset = UPMAP_MAPSIZE - 1024;
	cr_assert_eq(ukp_find(map, UPTYPE_PROC_TITLE), (char *)map + UPMAP_MAPSIZE - 1024);
	free(map);
}

Test(ukp_find, field_inside_the_header_array_is_rejected)
{
	ukpheader_t *map = blank_map();

	map[0] = (ukpheader_t){UPTYPE_PID, 8};
	cr_assert_null(ukp_find(map, UPTYPE_PID));
	cr_assert_eq(errno, ENOENT);
	free(map);
}

Test(ukp_find, misaligned_field_is_rejected)
{
	ukpheader_t *map = blank_map();

	map[0] = (ukpheader_t){UPTYPE_FORKID, 260};
	cr_assert_null(ukp_find(map, UPTYPE_FORKID));
	cr_assert_eq(errno, ENOENT);
	free(map);
}

Test(ukp_find, walk_stops_at_type_zero)
{
	ukpheader_t *map = blank_map();

	map[0] = (ukpheader_t){UKPTYPE_VERSION, 256};
	map[2] = (ukpheader_t){UPTYPE_PID, 276};
	cr_assert_null(ukp_find(map, UPTYPE_PID));
	free(map);
}

Test(ukp_find, walk_reads_at_most_64_entries)
{
	ukpheader_t *map = blank_map();

	for (int i = 0; i < 64; i++)
		map[i] = (ukpheader_t){UPTYPE_RUNTICKS, 260};
	map[64] = (ukpheader_t){UPTYPE_PID, 276}; /* the 65th entry: beyond the array */
	cr_assert_null(ukp_find(map, UPTYPE_PID));
	map[63] = (ukpheader_t){UPTYPE_PID, 276};
	cr_assert_eq(ukp_find(map, UPTYPE_PID), (char *)map + 276);
	free(map);
}

Test(ukp_find, null_map_or_type_zero_is_einval)
{
	ukpheader_t *map = blank_map();

	cr_assert_null(ukp_find(NULL, UPTYPE_PID));
	cr_assert_eq(errno, EINVAL);
	cr_assert_null(ukp_find(map, 0));
	cr_assert_eq(errno, EINVAL);
	free(map);
}
