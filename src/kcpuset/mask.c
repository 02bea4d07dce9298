/*
 * The Linux hexadecimal CPU mask, as in /proc/irq/N/smp_affinity and taskset(1):
 * comma-separated groups of 32 CPUs, the most significant first ("ff,00000000" is CPUs
 * 32-39). A mask of several groups has at most 8 hex digits per group; a single group
 * may be longer (taskset's "ffffffffff"). An optional "0x" prefix is accepted.
 */
#include "kcpuset/text.h"

#include <errno.h>

#define R_EMPTY "empty mask"
#define R_GROUP_EMPTY "empty group"
#define R_JUNK "unexpected character"
#define R_LONG "group longer than 8 hex digits"
#define R_RANGE "CPU beyond the possible CPUs"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Checks the syntax of the groups after the prefix and counts them. */
static int count_groups(struct kcpuset_scan *sc, size_t *ngroups)
{
	size_t n = 1, too_long = 0, digits = 0;

	for (size_t p = sc->pos; p < sc->end; p++) {
		if (sc->str[p] == ',') {
			if (digits == 0)
				return kcpuset_scan_fail(sc, p, EINVAL, R_GROUP_EMPTY);
			n++;
			digits = 0;
		} else if (hexval(sc->str[p]) < 0) {
			return kcpuset_scan_fail(sc, p, EINVAL, R_JUNK);
		} else if (++digits == 9 && too_long == 0) {
			too_long = p + 1;
		}
	}
	if (digits == 0)
		return kcpuset_scan_fail(sc, sc->end, EINVAL, R_GROUP_EMPTY);
	if (n > 1 && too_long != 0)
		return kcpuset_scan_fail(sc, too_long - 1, EOVERFLOW, R_LONG);
	*ngroups = n;
	return 0;
}

/* One group whose lowest bit is CPU base, its digits in str[from .. to). */
static int parse_group(struct kcpuset_scan *sc, size_t from, size_t to, size_t base)
{
	for (size_t p = to; p-- > from;) {
		unsigned int v = (unsigned int)hexval(sc->str[p]);
		size_t cpu = base + 4 * (to - 1 - p);

		for (unsigned int b = 0; b < 4; b++) {
			if ((v >> b & 1) == 0)
				continue;
			if (cpu + b >= sc->nbits)
				return kcpuset_scan_fail(sc, p, ERANGE, R_RANGE);
			if (sc->out != NULL)
				kcpuset_set(sc->out, (cpuid_t)(cpu + b));
		}
	}
	return 0;
}

static int mask_pass(struct kcpuset_scan *sc)
{
	size_t ngroups = 0, from;

	if (sc->end - sc->pos >= 2 && sc->str[0] == '0' && (sc->str[1] | 0x20) == 'x')
		sc->pos = 2;
	if (sc->pos == sc->end)
		return kcpuset_scan_fail(sc, sc->pos, EINVAL, R_EMPTY);
	if (count_groups(sc, &ngroups) != 0)
		return -1;
	from = sc->pos;
	for (size_t k = ngroups; k-- > 0;) {
		size_t to = from;

		while (to < sc->end && sc->str[to] != ',')
			to++;
		if (parse_group(sc, from, to, 32 * k) != 0)
			return -1;
		from = to + 1;
	}
	return 0;
}

int kcpuset_parse_mask(kcpuset_t *kcp, const char *str, struct kcpuset_parse_error *err)
{
	return kcpuset_scan_run(kcp, str, err, mask_pass);
}

static uint32_t group_of(const kcpuset_t *kcp, size_t k)
{
	size_t bit = 32 * k;

	return (uint32_t)(kcp->kc_bits[bit / KCPUSET_WBITS] >> (bit % KCPUSET_WBITS));
}

/* The shortest form: no all-zero leading groups, the first without padding; "0" if empty. */
size_t kcpuset_format_mask(const kcpuset_t *kcp, char *buf, size_t size)
{
	struct kcpuset_out o = {buf, size, 0};
	size_t k = (kcp->kc_nbits + 31) / 32;

	while (k > 1 && group_of(kcp, k - 1) == 0)
		k--;
	kcpuset_out_uint(&o, group_of(kcp, --k), 16, 1);
	while (k-- > 0) {
		kcpuset_out_char(&o, ',');
		kcpuset_out_uint(&o, group_of(kcp, k), 16, 8);
	}
	return kcpuset_out_end(&o);
}
