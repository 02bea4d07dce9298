/* What the cpulist and mask parsers and formatters share. */
#ifndef PCPU_KCPUSET_TEXT_H
#define PCPU_KCPUSET_TEXT_H

#include <pcpu/kcpuset.h>

/* A parse in progress over str[0 .. end); one trailing newline is not part of it. */
struct kcpuset_scan {
	const char *str;
	size_t pos, end;
	struct kcpuset_parse_error *err;
	kcpuset_t *out; /* NULL on the validating pass: nothing is written */
	cpuid_t nbits;
};

void kcpuset_scan_init(struct kcpuset_scan *sc, const kcpuset_t *kcp, const char *str,
		       struct kcpuset_parse_error *err);

/* Records the failure in sc->err, sets errno and returns -1. */
int kcpuset_scan_fail(struct kcpuset_scan *sc, size_t pos, int errnum, const char *reason);

/*
 * Runs pass(sc) once to validate; only when that succeeds, zeroes kcp and runs it again
 * to store, so that a rejected string leaves kcp as it was.
 */
int kcpuset_scan_run(kcpuset_t *kcp, const char *str, struct kcpuset_parse_error *err,
		     int (*pass)(struct kcpuset_scan *sc));

/* An snprintf-like output: writes what fits, always terminates, counts everything. */
struct kcpuset_out {
	char *buf;
	size_t size, len;
};

void kcpuset_out_char(struct kcpuset_out *o, char c);
void kcpuset_out_uint(struct kcpuset_out *o, unsigned long v, unsigned int base,
		      unsigned int width);
size_t kcpuset_out_end(struct kcpuset_out *o);

#endif
