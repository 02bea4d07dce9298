#include "format/meta_check.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

static int alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* [a-zA-Z_(:)][a-zA-Z0-9_(:)]*, the colon allowed when colon is set. */
static int name_ok(const char *s, int colon)
{
	const unsigned char *p = (const unsigned char *)s;

	if (!alpha(*p) && !(colon && *p == ':'))
		return 0;
	for (p++; *p; p++)
		if (!alpha(*p) && !digit(*p) && !(colon && *p == ':'))
			return 0;
	return 1;
}

int pcpu_meta_family_ok(const char *s)
{
	return name_ok(s, 1);
}

/* Bytes of the UTF-8 sequence that starts with c, 0 for a byte no sequence starts with
 * (a continuation byte, C0, C1, F5..FF: overlong or beyond U+10FFFF). */
static size_t seq_len(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		return 2;
	if (c >= 0xE0 && c <= 0xEF)
		return 3;
	if (c >= 0xF0 && c <= 0xF4)
		return 4;
	return 0;
}

/* The code point of the n-byte sequence at p, or -1 when it is malformed: a missing
 * continuation, an overlong form, a surrogate or beyond U+10FFFF. */
static long decode(const unsigned char *p, size_t n)
{
	static const long min[] = {0, 0, 0x80, 0x800, 0x10000};
	long cp = n == 1 ? p[0] : p[0] & (0x7F >> n);

	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return -1;
		cp = cp << 6 | (p[i] & 0x3F);
	}
	if (cp < min[n] || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
		return -1;
	return cp;
}

/*
 * A NUL-terminated string within its field of len bytes, of printable UTF-8: well
 * formed, and no control character (C0, DEL, C1), so that an exposition needs no
 * escape but for backslash and quote, and a terminal shows what the writer meant.
 */
static int text_ok(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = memchr(s, '\0', len);

	if (end == NULL)
		return 0;
	while (p < end) {
		size_t n = seq_len(*p);
		long cp;

		if (n == 0 || n > (size_t)(end - p) || (cp = decode(p, n)) < 0 || cp < 0x20 ||
		    (cp >= 0x7F && cp <= 0x9F))
			return 0;
		p += n;
	}
	return 1;
}

static int terminated(const char *s, size_t len)
{
	return memchr(s, '\0', len) != NULL;
}

static int unit_ok(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (!alpha(*p) && !digit(*p))
			return 0;
	return 1;
}

static int all_zero(const void *p, size_t len)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < len; i++)
		if (b[i] != 0)
			return 0;
	return 1;
}

static const char *check_labels(const struct pcpu_dom_meta *m)
{
	if (m->nlabels > PCPU_META_LABELS_MAX)
		return "nlabels exceeds 4";
	for (unsigned int i = 0; i < m->nlabels; i++) {
		const struct pcpu_dom_label *l = &m->labels[i];

		if (!terminated(l->name, sizeof(l->name)) || !name_ok(l->name, 0))
			return "a label name is not [a-zA-Z_][a-zA-Z0-9_]* within 32 bytes";
		if (strncmp(l->name, "__", 2) == 0)
			return "a label name starts with the reserved \"__\"";
		if (m->type == PCPU_META_HISTOGRAM && strcmp(l->name, "le") == 0)
			return "a histogram has a label \"le\"";
		if (!text_ok(l->value, sizeof(l->value)))
			return "a label value is not printable UTF-8 within 64 bytes";
		for (unsigned int j = 0; j < i; j++)
			if (strcmp(m->labels[j].name, l->name) == 0)
				return "two labels have the same name";
	}
	if (!all_zero(&m->labels[m->nlabels],
		      (PCPU_META_LABELS_MAX - m->nlabels) * sizeof(m->labels[0])))
		return "a label beyond nlabels is not zero";
	return NULL;
}

static const char *check_bounds(const struct pcpu_dom_meta *m)
{
	if (m->nbounds > PCPU_META_BOUNDS_MAX)
		return "nbounds exceeds 28";
	if (m->nbounds != 0 && m->type != PCPU_META_HISTOGRAM)
		return "bounds given for a type other than histogram";
	for (unsigned int i = 1; i < m->nbounds; i++)
		if (m->bounds[i] <= m->bounds[i - 1])
			return "bounds are not strictly ascending";
	if (!all_zero(&m->bounds[m->nbounds],
		      (PCPU_META_BOUNDS_MAX - m->nbounds) * sizeof(m->bounds[0])))
		return "a bound beyond nbounds is not zero";
	return NULL;
}

const char *pcpu_meta_check(const struct pcpu_dom_meta *m)
{
	if ((m->flags & PCPU_METAF_SET) == 0)
		return NULL;
	if (m->flags != PCPU_METAF_SET)
		return "unknown flags";
	if (m->type > PCPU_META_HISTOGRAM)
		return "unknown type";
	if (!isfinite(m->scale) || m->scale < 0)
		return "scale is not a finite number >= 0";
	if (!terminated(m->family, sizeof(m->family)) ||
	    (m->family[0] != '\0' && !name_ok(m->family, 1)))
		return "family is not [a-zA-Z_:][a-zA-Z0-9_:]* within 96 bytes";
	if (!terminated(m->unit, sizeof(m->unit)) || !unit_ok(m->unit))
		return "unit is not [a-zA-Z0-9_]* within 32 bytes";
	if (!text_ok(m->help, sizeof(m->help)))
		return "help is not printable UTF-8 within 256 bytes";
	const char *why = check_labels(m);
	return why != NULL ? why : check_bounds(m);
}
