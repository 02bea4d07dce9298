/* Helpers for the kcpuset tests: set capacity, and sets written as cpulists. */
#ifndef PCPU_TESTS_KCPUSET_TEST_H
#define PCPU_TESTS_KCPUSET_TEST_H

#include <criterion/criterion.h>
#include <errno.h>
#include <pcpu/kcpuset.h>
#include <stdio.h>
#include <stdlib.h>

/* Every test runs in its own process, so this takes effect before the first set. */
static inline void use_capacity(unsigned int cpus)
{
	char v[16];

	snprintf(v, sizeof(v), "%u", cpus);
	setenv("PCPU_MAXCPU", v, 1);
}

static inline void capacity_4096(void)
{
	use_capacity(4096);
}

/* Sets made by new_set(), destroyed by release_sets() (a suite's .fini) for LSan. */
static kcpuset_t *test_sets[64];
static int test_nsets;

static inline void release_sets(void)
{
	while (test_nsets > 0)
		kcpuset_destroy(test_sets[--test_nsets]);
}

static inline kcpuset_t *new_set(const char *cpulist)
{
	kcpuset_t *kcp;

	cr_assert_lt(test_nsets, 64);
	kcpuset_create(&kcp, true);
	cr_assert_not_null(kcp);
	test_sets[test_nsets++] = kcp;
	cr_assert_eq(kcpuset_parse_list(kcp, cpulist, NULL), 0, "cpulist %s", cpulist);
	return kcp;
}

/* The set as a cpulist, in a buffer that lives until the next call in this thread. */
static inline const char *list_of(const kcpuset_t *kcp)
{
	static __thread char buf[32768];

	cr_assert_lt(kcpuset_format_list(kcp, buf, sizeof(buf)), sizeof(buf));
	return buf;
}

typedef int parse_fn(kcpuset_t *, const char *, struct kcpuset_parse_error *);

/* parse(str) must fail with errnum at byte pos, for the reason given, leaving the set. */
static inline void expect_parse_error(parse_fn *parse, const char *str, int errnum, size_t pos,
				      const char *reason)
{
	kcpuset_t *kcp = new_set("1");
	struct kcpuset_parse_error err = {0, NULL};

	errno = 0;
	cr_assert_eq(parse(kcp, str, &err), -1, "'%s' was accepted", str);
	cr_assert_eq(errno, errnum, "'%s': errno %d", str, errno);
	cr_assert_eq(err.pe_pos, pos, "'%s': position %zu", str, err.pe_pos);
	cr_assert_str_eq(err.pe_reason, reason, "'%s': %s", str, err.pe_reason);
	cr_assert_str_eq(list_of(kcp), "1", "'%s' changed the set", str);
}

#endif
