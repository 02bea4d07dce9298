/*
 * The Linux cpulist format, as in /sys/devices/system/cpu/online and cpuset(7):
 * comma-separated items, each "C", "A-B" or "A-B:U/G" (in every group of G CPUs from A,
 * the first U), where a CPU may also be "N", the last one a set holds. The empty string
 * is the empty set, as sysfs prints it.
 */
#include "kcpuset/text.h"

#include <errno.h>
#include <limits.h>

#define R_EMPTY "empty element"
#define R_DIGIT "expected a decimal number"
#define R_JUNK "unexpected character"
#define R_OVERFLOW "number too large"
#define R_RANGE "CPU beyond the possible CPUs"
#define R_REVERSED "reversed range"
#define R_GROUP "group size is zero"
#define R_USED "more CPUs used than the group holds"

static bool at(const struct kcpuset_scan *sc, char c)
{
	return sc->pos < sc->end && sc->str[sc->pos] == c;
}

static bool at_digit(const struct kcpuset_scan *sc)
{
	return sc->pos < sc->end && sc->str[sc->pos] >= '0' && sc->str[sc->pos] <= '9';
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

/* A CPU number, or "N" for the last CPU a set holds (as Linux 5.17 reads "N"). */
static int parse_cpu(struct kcpuset_scan *sc, cpuid_t *cpu)
{
	size_t start = sc->pos;

	if (at(sc, 'N')) {
		sc->pos++;
		*cpu = sc->nbits - 1;
		return 0;
	}
	if (parse_uint(sc, cpu) != 0)
		return -1;
	if (*cpu >= sc->nbits)
		return kcpuset_scan_fail(sc, start, ERANGE, R_RANGE);
	return 0;
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

/* ":U/G" after a range: parses it into *used and *group. */
static int parse_stride(struct kcpuset_scan *sc, unsigned int *used, unsigned int *group)
{
	size_t used_pos, group_pos;

	sc->pos++;
	used_pos = sc->pos;
	if (parse_uint(sc, used) != 0)
		return -1;
	if (!at(sc, '/'))
		return kcpuset_scan_fail(sc, sc->pos, EINVAL, R_JUNK);
	sc->pos++;
	group_pos = sc->pos;
	if (parse_uint(sc, group) != 0)
		return -1;
	if (*group == 0)
		return kcpuset_scan_fail(sc, group_pos, EINVAL, R_GROUP);
	if (*used > *group)
		return kcpuset_scan_fail(sc, used_pos, EINVAL, R_USED);
	return 0;
}

static int parse_item(struct kcpuset_scan *sc)
{
	size_t start = sc->pos;
	cpuid_t first = 0, last = 0;
	unsigned int used = 1, group = 1;

	if (sc->pos == sc->end || at(sc, ','))
		return kcpuset_scan_fail(sc, sc->pos, EINVAL, R_EMPTY);
	if (parse_cpu(sc, &first) != 0)
		return -1;
	last = first;
	if (at(sc, '-')) {
		sc->pos++;
		if (parse_cpu(sc, &last) != 0)
			return -1;
		if (last < first)
			return kcpuset_scan_fail(sc, start, EINVAL, R_REVERSED);
		if (at(sc, ':') && parse_stride(sc, &used, &group) != 0)
			return -1;
	}
	if (sc->out == NULL || used == 0)
		return 0;
	/* 64-bit steps: first + k * group can pass UINT_MAX before it passes last. */
	for (uint64_t g = first; g <= last; g += group)
		set_range(sc->out, (cpuid_t)g,
			  g + used - 1 < last ? (cpuid_t)(g + used - 1) : last);
	return 0;
}

static int list_pass(struct kcpuset_scan *sc)
{
	if (sc->end == 0)
		return 0;
	for (;;) {
		if (parse_item(sc) != 0)
			return -1;
		if (sc->pos == sc->end)
			return 0;
		if (!at(sc, ','))
			return kcpuset_scan_fail(sc, sc->pos, EINVAL, R_JUNK);
		sc->pos++;
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
