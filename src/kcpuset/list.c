/*
 * The Linux cpulist format, as the kernel's bitmap_parselist() (lib/bitmap-str.c) reads
 * it for /sys/devices/system/cpu/online and cpuset(7): items separated by commas or
 * white space, each "C", "A-B", "A-B:U/G" (in every group of G CPUs from A, the first U),
 * "all" or "all:U/G" (any case); a number may also be "N", the last CPU a set holds, in
 * every position. Empty items are skipped, so the empty string is the empty set.
 *
 * Errors come in the kernel's order: an item is read whole (EINVAL or EOVERFLOW at the
 * first byte that does not fit the syntax), then checked (EINVAL for a reversed range
 * or a bad group before ERANGE for a CPU beyond the set). Two inputs the kernel accepts
 * are refused here rather than read differently: text after a newline (the kernel stops
 * reading there unless the item before it had a ":U/G") and an item glued to the group
 * size before it ("0-7:1/2N", which the kernel reads as "0-7:1/2,N").
 */
#include "kcpuset/text.h"

#include <errno.h>
#include <limits.h>
#include <strings.h>

#define R_DIGIT "expected a decimal number"
#define R_JUNK "unexpected character"
#define R_NEWLINE "text after the end of the line"
#define R_OVERFLOW "number too large"
#define R_RANGE "CPU beyond the possible CPUs"
#define R_REVERSED "reversed range"
#define R_GROUP "group size is zero"
#define R_USED "more CPUs used than the group holds"

/* One item as read, with where each of its numbers starts (for the error position). */
struct item {
	cpuid_t first, last;
	unsigned int used, group;
	bool strided;
	size_t pos, last_pos, used_pos, group_pos;
};

static bool at(const struct kcpuset_scan *sc, char c)
{
	return sc->pos < sc->end && sc->str[sc->pos] == c;
}

static bool at_digit(const struct kcpuset_scan *sc)
{
	return sc->pos < sc->end && sc->str[sc->pos] >= '0' && sc->str[sc->pos] <= '9';
}

/* The kernel's separators: ',' and isspace() of the C locale. */
static bool at_separator(const struct kcpuset_scan *sc)
{
	char c = sc->pos < sc->end ? sc->str[sc->pos] : '\0';

	return c == ',' || c == ' ' || (c >= '\t' && c <= '\r');
}

static bool at_item_end(const struct kcpuset_scan *sc)
{
	return sc->pos == sc->end || at_separator(sc);
}

static int parse_uint(struct kcpuset_scan *sc, unsigned int *out)
{
	size_t start = sc->pos;
	unsigned long v = 0;

	if (!at_digit(sc))
		return kcpuset_scan_fail(sc, sc->pos, EINVAL, R_DIGIT);
	while (at_digit(sc)) {
		v = v * 10 + (unsigned long)(sc->str[sc->pos++] - '0');
		if (v > UINT_MAX)
			return kcpuset_scan_fail(sc, start, EOVERFLOW, R_OVERFLOW);
	}
	*out = (unsigned int)v;
	return 0;
}

/* A number, or "N" for the last CPU a set holds, in any position (as bitmap_getnum()). */
static int parse_number(struct kcpuset_scan *sc, unsigned int *out, size_t *pos)
{
	*pos = sc->pos;
	if (at(sc, 'N')) {
		sc->pos++;
		*out = sc->nbits - 1;
		return 0;
	}
	return parse_uint(sc, out);
}

/* Sets CPUs first .. last (inclusive) a word at a time. */
static void set_range(kcpuset_t *kcp, cpuid_t first, cpuid_t last)
{
	unsigned int i = first / KCPUSET_WBITS, li = last / KCPUSET_WBITS;
	unsigned long lo = ~0UL << (first % KCPUSET_WBITS);
	unsigned long hi = ~0UL >> (KCPUSET_WBITS - 1 - last % KCPUSET_WBITS);

	if (i == li) {
		kcp->kc_bits[i] |= lo & hi;
		return;
	}
	kcp->kc_bits[i++] |= lo;
	while (i < li)
		kcp->kc_bits[i++] = ~0UL;
	kcp->kc_bits[li] |= hi;
}

/* ":U/G" after a range; the item must end right after G. */
static int parse_stride(struct kcpuset_scan *sc, struct item *it)
{
	sc->pos++;
	if (parse_number(sc, &it->used, &it->used_pos) != 0)
		return -1;
	if (!at(sc, '/'))
		return kcpuset_scan_fail(sc, sc->pos, EINVAL, R_JUNK);
	sc->pos++;
	if (parse_number(sc, &it->group, &it->group_pos) != 0)
		return -1;
	it->strided = true;
	return 0;
}

/* "all", "C" or "A-B", then an optional ":U/G" (bitmap_parse_region()). */
static int parse_item(struct kcpuset_scan *sc, struct item *it)
{
	*it = (struct item){.pos = sc->pos};
	if (sc->end - sc->pos >= 3 && strncasecmp(sc->str + sc->pos, "all", 3) == 0) {
		sc->pos += 3;
		it->last = sc->nbits - 1;
		it->last_pos = it->pos;
	} else {
		if (parse_number(sc, &it->first, &it->last_pos) != 0)
			return -1;
		it->last = it->first;
		if (at_item_end(sc))
			return 0;
		if (!at(sc, '-'))
			return kcpuset_scan_fail(sc, sc->pos, EINVAL, R_JUNK);
		sc->pos++;
		if (parse_number(sc, &it->last, &it->last_pos) != 0)
			return -1;
	}
	if (at(sc, ':') && parse_stride(sc, it) != 0)
		return -1;
	if (!at_item_end(sc))
		return kcpuset_scan_fail(sc, sc->pos, EINVAL, R_JUNK);
	return 0;
}

/* The checks of bitmap_check_region(), in its order: EINVAL before ERANGE. */
static int check_item(struct kcpuset_scan *sc, const struct item *it)
{
	if (it->first > it->last)
		return kcpuset_scan_fail(sc, it->pos, EINVAL, R_REVERSED);
	if (it->strided && it->group == 0)
		return kcpuset_scan_fail(sc, it->group_pos, EINVAL, R_GROUP);
	if (it->strided && it->used > it->group)
		return kcpuset_scan_fail(sc, it->used_pos, EINVAL, R_USED);
	if (it->last >= sc->nbits)
		return kcpuset_scan_fail(sc, it->last_pos, ERANGE, R_RANGE);
	return 0;
}

static void store_item(kcpuset_t *kcp, const struct item *it)
{
	if (!it->strided) {
		set_range(kcp, it->first, it->last);
		return;
	}
	if (it->used == 0)
		return;
	/* 64-bit steps: first + k * group can pass UINT_MAX before it passes last. */
	for (uint64_t g = it->first; g <= it->last; g += it->group)
		set_range(kcp, (cpuid_t)g,
			  g + it->used - 1 < it->last ? (cpuid_t)(g + it->used - 1) : it->last);
}

/* Commas and white space before an item; after a newline nothing else may follow. */
static int skip_separators(struct kcpuset_scan *sc)
{
	bool newline = false;

	while (at_separator(sc))
		newline |= sc->str[sc->pos++] == '\n';
	if (newline && sc->pos < sc->end)
		return kcpuset_scan_fail(sc, sc->pos, EINVAL, R_NEWLINE);
	return 0;
}

static int list_pass(struct kcpuset_scan *sc)
{
	struct item it;

	for (;;) {
		if (skip_separators(sc) != 0)
			return -1;
		if (sc->pos == sc->end)
			return 0;
		if (parse_item(sc, &it) != 0 || check_item(sc, &it) != 0)
			return -1;
		if (sc->out != NULL)
			store_item(sc->out, &it);
	}
}

int kcpuset_parse_list(kcpuset_t *kcp, const char *str, struct kcpuset_parse_error *err)
{
	return kcpuset_scan_run(kcp, str, err, list_pass);
}

/* The first CPU at or after cpu that is not in the set (kc_nbits if none). */
static cpuid_t run_end(const kcpuset_t *kcp, cpuid_t cpu)
{
	unsigned int i = cpu / KCPUSET_WBITS;
	unsigned long w = ~kcp->kc_bits[i] & (~0UL << (cpu % KCPUSET_WBITS));
	cpuid_t end;

	while (w == 0) {
		if (++i == kcp->kc_nwords)
			return kcp->kc_nbits;
		w = ~kcp->kc_bits[i];
	}
	end = i * KCPUSET_WBITS + (cpuid_t)__builtin_ctzl(w);
	return end < kcp->kc_nbits ? end : kcp->kc_nbits;
}

size_t kcpuset_format_list(const kcpuset_t *kcp, char *buf, size_t size)
{
	struct kcpuset_out o = {buf, size, 0};

	for (cpuid_t cpu = kcpuset_next(kcp, 0); cpu != KCPUSET_NONE;) {
		cpuid_t end = run_end(kcp, cpu);

		if (o.len > 0)
			kcpuset_out_char(&o, ',');
		kcpuset_out_uint(&o, cpu, 10, 1);
		if (end - 1 > cpu) {
			kcpuset_out_char(&o, '-');
			kcpuset_out_uint(&o, end - 1, 10, 1);
		}
		cpu = kcpuset_next(kcp, end);
	}
	return kcpuset_out_end(&o);
}
