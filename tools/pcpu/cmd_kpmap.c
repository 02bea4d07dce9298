/* pcpu kpmap: every field of the published kpmap, found through its header, decoded. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/futex.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <pcpu/upmap.h>

#include "commands.h"
#include "json.h"
#include "kpmapfile.h"

const char cmd_kpmap_synopsis[] = "kpmap [-f FILE] [--json]";
const char cmd_kpmap_help[] =
	"Prints every field the kpmap's header lists (as DragonFly's kpmap(4)): its type,\n"
	"offset and width, and the value decoded (the current slot of the double-buffered\n"
	"timestamps, the frequencies in Hz, fast_gtod as on/off); unknown types in hex.\n"
	"When its kpmapd has stopped or died, prints the last values it published, marked\n"
	"stale, and exits 3.\n"
	"  -f, --file FILE   the kpmap file (default $PCPU_KPMAP or " KPMAP_DEFAULT_PATH ")\n"
	"      --json        {\"path\":..., \"fields\":[{\"type\", \"name\", \"offset\", "
	"\"width\",\n"
	"                    \"value\"}...]}; timestamps as {\"sec\", \"nsec\"}\n"
	"  -h, --help        this text\n";

enum kind { K_INT, K_TS, K_HZ, K_BOOL, K_ALIVE, K_PAIR, K_RAW };

/* Exit status when the map is its stopped kpmapd's last word (man/pcpu.1). */
enum { KPMAP_EXIT_STALE = 3 };

/* KPTYPE_PCPU_ALIVE (upmap(4)) holds kpmapd's thread id while it publishes, 0 after a
 * clean stop, and FUTEX_OWNER_DIED set by the kernel when kpmapd died. */

struct field_type {
	uint16_t type;
	const char *name;
	enum kind kind;
	size_t width; /* of the value; 0: the header's */
};

/* tick_freq's width code says 8, as on DragonFly, but the field is an int32_t followed
 * by fast_gtod (<pcpu/upmap.h>): reading 8 bytes would add fast_gtod << 32. */
/* clang-format off */
static const struct field_type types[] = {
	{UKPTYPE_VERSION, "version", K_INT, 0},
	{KPTYPE_UPTICKS, "upticks", K_INT, 0},
	{KPTYPE_TS_UPTIME, "ts_uptime", K_TS, 0},
	{KPTYPE_TS_REALTIME, "ts_realtime", K_TS, 0},
	{KPTYPE_TSC_FREQ, "tsc_freq", K_HZ, 0},
	{KPTYPE_TICK_FREQ, "tick_freq", K_HZ, 4},
	{KPTYPE_FAST_GTOD, "fast_gtod", K_BOOL, 0},
	{KPTYPE_TIMER_BASE, "timer_base", K_INT, 0},
	{KPTYPE_FREQ_NSEC, "freq64_nsec", K_INT, 0},
	{KPTYPE_CLOCK_BASE, "clock_base", K_PAIR, 0},
	{KPTYPE_CLOCK_SECS, "clock_secs", K_PAIR, 0},
	{KPTYPE_TS_BASETIME, "ts_basetime", K_TS, 0},
	{KPTYPE_TSC_SHIFT, "tsc_shift", K_INT, 0},
	{KPTYPE_PCPU_ALIVE, "kpmapd_alive", K_ALIVE, 0},
};
/* clang-format on */

static const struct field_type *lookup(uint16_t type)
{
	static const struct field_type unknown = {0, "unknown", K_RAW, 0};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].type == type)
			return &types[i];
	return &unknown;
}

/* Integers of width 4 or 8, loaded whole: kpmapd updates them while we read. */
static int64_t load_int(const void *p, size_t width)
{
	if (width == 8)
		return __atomic_load_n((const int64_t *)p, __ATOMIC_RELAXED);
	return __atomic_load_n((const int32_t *)p, __ATOMIC_RELAXED);
}

static uint32_t load_u32(const void *p, size_t i)
{
	return __atomic_load_n((const uint32_t *)p + i, __ATOMIC_RELAXED);
}

/* The current slot of a double-buffered timestamp, never torn (ukp(3)); zero when the
 * map lacks upticks. */
static struct timespec load_ts(const void *map, const ukpheader_t *h)
{
	struct timespec v = {0, 0};

	ukp_kpmap_timestamp(map, h->type, &v);
	return v;
}

static const char *const state_names[] = {"publishing", "stopped", "died"};
enum state { S_PUBLISHING, S_STOPPED, S_DIED };

/* From the alive word (upmap(4)); a map without one is taken as live, as the library does
 * not refuse it either. */
static enum state map_state(const void *map)
{
	const uint32_t *alive = ukp_find(map, KPTYPE_PCPU_ALIVE);
	uint32_t v = alive ? __atomic_load_n(alive, __ATOMIC_RELAXED) : 1;

	if (v & FUTEX_OWNER_DIED)
		return S_DIED;
	return v & FUTEX_TID_MASK ? S_PUBLISHING : S_STOPPED;
}

static size_t value_width(const ukpheader_t *h, const struct field_type *ft)
{
	return ft->width ? ft->width : (size_t)UKPLEN_DECODE(h->type);
}

static void value_text(const void *map, const ukpheader_t *h, const struct field_type *ft)
{
	const unsigned char *p = (const unsigned char *)map + h->offset;
	size_t width = value_width(h, ft);
	struct timespec ts;
	int64_t v;
	struct tm tm;
	char date[64];

	switch (ft->kind) {
	case K_INT:
		printf("%" PRId64, load_int(p, width));
		break;
	case K_HZ:
		printf("%" PRId64 " Hz", load_int(p, width));
		break;
	case K_BOOL:
		printf("%" PRId64 " (%s)", load_int(p, width), load_int(p, width) ? "on" : "off");
		break;
	case K_TS:
		ts = load_ts(map, h);
		printf("%lld.%09ld s", (long long)ts.tv_sec, ts.tv_nsec);
		if (h->type == KPTYPE_TS_REALTIME && gmtime_r(&ts.tv_sec, &tm) &&
		    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm))
			printf(" (%s)", date);
		break;
	case K_ALIVE:
		v = load_int(p, width);
		if (v & FUTEX_OWNER_DIED)
			printf("0x%" PRIx64 " (kpmapd died)", (uint64_t)v);
		else if (v & FUTEX_TID_MASK)
			printf("%" PRId64 " (kpmapd's thread id: publishing)", v & FUTEX_TID_MASK);
		else
			printf("0 (kpmapd stopped)");
		break;
	case K_PAIR:
		printf("%" PRIu32 " %" PRIu32, load_u32(p, 0), load_u32(p, 1));
		break;
	case K_RAW:
		for (size_t i = 0; i < width && i < 32; i++)
			printf("%02x", p[i]);
		break;
	}
}

static void value_json(struct json *j, const void *map, const ukpheader_t *h,
		       const struct field_type *ft)
{
	const unsigned char *p = (const unsigned char *)map + h->offset;
	size_t width = value_width(h, ft);
	char hex[65];
	struct timespec ts;

	if (ft->kind == K_TS) {
		ts = load_ts(map, h);
		json_open_object(j);
		json_key(j, "sec");
		json_i64(j, ts.tv_sec);
		json_key(j, "nsec");
		json_i64(j, ts.tv_nsec);
		json_close_object(j);
	} else if (ft->kind == K_PAIR) {
		json_open_array(j);
		json_u64(j, load_u32(p, 0));
		json_u64(j, load_u32(p, 1));
		json_close_array(j);
	} else if (ft->kind == K_RAW) {
		for (size_t i = 0; i < width && i < 32; i++)
			sprintf(hex + 2 * i, "%02x", p[i]);
		hex[2 * (width < 32 ? width : 32)] = '\0';
		json_string(j, hex);
	} else {
		json_i64(j, load_int(p, width));
	}
}

static void field_json(struct json *j, const void *map, const ukpheader_t *h)
{
	const struct field_type *ft = lookup(h->type);
	char type[8];

	snprintf(type, sizeof(type), "0x%04x", h->type);
	json_open_object(j);
	json_key(j, "type");
	json_string(j, type);
	json_key(j, "name");
	json_string(j, ft->name);
	json_key(j, "offset");
	json_u64(j, h->offset);
	json_key(j, "width");
	json_u64(j, UKPLEN_DECODE(h->type));
	json_key(j, "value");
	value_json(j, map, h, ft);
	json_close_object(j);
}

/* The header ends at a zero type; an entry whose field leaves the map is refused. */
static int print(const void *map, bool json, enum state state)
{
	const ukpheader_t *h = map;
	struct json j;

	json_init(&j, stdout);
	if (json) {
		json_open_object(&j);
		json_key(&j, "path");
		json_string(&j, kpmapfile_path());
		json_key(&j, "state");
		json_string(&j, state_names[state]);
		json_key(&j, "fields");
		json_open_array(&j);
	} else {
		printf("%s%s%s%s\n%-6s %6s %5s  %-12s %s\n", kpmapfile_path(),
		       state == S_PUBLISHING ? "" : " (stale: kpmapd ",
		       state == S_PUBLISHING ? "" : state_names[state],
		       state == S_PUBLISHING ? "" : "; its last values)", "TYPE", "OFFSET", "WIDTH",
		       "FIELD", "VALUE");
	}
	for (int i = 0; i < 64 && h[i].type != 0; i++) {
		if ((size_t)h[i].offset + UKPLEN_DECODE(h[i].type) > KPMAP_MAPSIZE)
			return tool_err("%s: header entry %d (type 0x%04x) points outside the map",
					kpmapfile_path(), i, h[i].type);
		if (json) {
			field_json(&j, map, &h[i]);
			continue;
		}
		printf("0x%04x %6u %5u  %-12s ", h[i].type, h[i].offset,
		       (unsigned)UKPLEN_DECODE(h[i].type), lookup(h[i].type)->name);
		value_text(map, &h[i], lookup(h[i].type));
		putchar('\n');
	}
	if (json) {
		json_close_array(&j);
		json_close_object(&j);
		json_end(&j);
	}
	return 0;
}

int cmd_kpmap(int argc, char **argv)
{
	const void *map;
	enum state state;
	bool json;
	int status;

	if (!kpmapfile_options(argc, argv, &json, &status))
		return status;
	if (argc != optind)
		return tool_usage();
	map = ukp_kpmap_last();
	if (!map)
		return kpmapfile_err(errno);
	/* One reading of the state: the header line and the status must agree. */
	state = map_state(map);
	status = print(map, json, state);
	return status == 0 && state != S_PUBLISHING ? KPMAP_EXIT_STALE : status;
}
