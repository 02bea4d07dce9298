/* Scanning state, error reporting and bounded output for the text formats. */
#include "kcpuset/text.h"

#include <errno.h>
#include <string.h>

void kcpuset_scan_init(struct kcpuset_scan *sc, const kcpuset_t *kcp, const char *str,
		       struct kcpuset_parse_error *err)
{
	size_t end = strlen(str);

	/* sysfs files and `echo` output end in one newline; accept exactly one. */
	if (end > 0 && str[end - 1] == '\n')
		end--;
	*sc = (struct kcpuset_scan){str, 0, end, err, NULL, kcp->kc_nbits};
}

int kcpuset_scan_fail(struct kcpuset_scan *sc, size_t pos, int errnum, const char *reason)
{
	if (sc->err != NULL)
		*sc->err = (struct kcpuset_parse_error){pos, reason};
	errno = errnum;
	return -1;
}

int kcpuset_scan_run(kcpuset_t *kcp, const char *str, struct kcpuset_parse_error *err,
		     int (*pass)(struct kcpuset_scan *sc))
{
	struct kcpuset_scan sc;

	kcpuset_scan_init(&sc, kcp, str, err);
	if (pass(&sc) != 0)
		return -1;
	kcpuset_zero(kcp);
	kcpuset_scan_init(&sc, kcp, str, err);
	sc.out = kcp;
	return pass(&sc);
}

void kcpuset_out_char(struct kcpuset_out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

/* v in base 10 or 16, at least width digits (zero-padded). */
void kcpuset_out_uint(struct kcpuset_out *o, unsigned long v, unsigned int base, unsigned int width)
{
	char digits[3 * sizeof(v)];
	unsigned int n = 0;

	do {
		digits[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v != 0 || n < width);
	while (n > 0)
		kcpuset_out_char(o, digits[--n]);
}

size_t kcpuset_out_end(struct kcpuset_out *o)
{
	if (o->size > 0)
		o->buf[o->len < o->size ? o->len : o->size - 1] = '\0';
	return o->len;
}
