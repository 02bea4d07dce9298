/*
 * The subset of Criterion's API that the concurrency tests use, for the ThreadSanitizer
 * build only. Criterion's sandbox maps an inheritable arena at one of ten random
 * addresses, and under TSan every probe lands in the sanitizer's shadow reservations, so
 * the real runner aborts before the first test. These tests then run in-process, one
 * after another, in a forked child each, so that a crash names its test.
 * Supported: Test(), TestSuite() with .init/.fini/.timeout/.disabled, cr_assert*,
 * cr_expect*, cr_log_*, cr_skip_test. Anything else does not compile here on purpose.
 */
#ifndef PCPU_TSAN_CRITERION_H
#define PCPU_TSAN_CRITERION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct criterion_test_extra {
	void (*init)(void);
	void (*fini)(void);
	double timeout;
	bool disabled;
};

struct criterion_test {
	const char *suite;
	const char *name;
	void (*fn)(void);
	struct criterion_test_extra extra;
	struct criterion_test *next;
};

void criterion_shim_register(struct criterion_test *t);
void criterion_shim_register_suite(const char *suite, struct criterion_test_extra extra);
void criterion_shim_fail(const char *file, int line, int fatal, const char *what, const char *fmt,
			 ...);
void criterion_shim_skip(const char *why);

#define CR_SHIM_CAT_(a, b) a##b
#define CR_SHIM_CAT(a, b) CR_SHIM_CAT_(a, b)

#define Test(suite, name, ...)                                              \
	static void suite##_##name##_impl(void);                            \
	static struct criterion_test suite##_##name##_desc = {              \
		#suite, #name, suite##_##name##_impl, {__VA_ARGS__}, NULL}; \
	__attribute__((constructor)) static void suite##_##name##_reg(void) \
	{                                                                   \
		criterion_shim_register(&suite##_##name##_desc);            \
	}                                                                   \
	static void suite##_##name##_impl(void)

#define TestSuite(suite, ...)                                                                      \
	__attribute__((constructor)) static void suite##_suite_reg(void)                           \
	{                                                                                          \
		criterion_shim_register_suite(#suite, (struct criterion_test_extra){__VA_ARGS__}); \
	}

/* The optional trailing arguments of every assertion are a printf-style message, whose
 * format is a string literal (as Criterion's): "" before it makes an absent one empty.
 * They are evaluated only when the check fails, as in Criterion. */
#define CR_SHIM_CHECK(fatal, cond, text, ...)                                                 \
	do {                                                                                  \
		if (!(cond))                                                                  \
			criterion_shim_fail(__FILE__, __LINE__, fatal, text, "" __VA_ARGS__); \
	} while (0)

#define cr_assert(cond, ...) CR_SHIM_CHECK(1, cond, #cond, __VA_ARGS__)
#define cr_assert_not(cond, ...) CR_SHIM_CHECK(1, !(cond), "!(" #cond ")", __VA_ARGS__)
#define cr_assert_eq(a, b, ...) CR_SHIM_CHECK(1, (a) == (b), #a " == " #b, __VA_ARGS__)
#define cr_assert_neq(a, b, ...) CR_SHIM_CHECK(1, (a) != (b), #a " != " #b, __VA_ARGS__)
#define cr_assert_lt(a, b, ...) CR_SHIM_CHECK(1, (a) < (b), #a " < " #b, __VA_ARGS__)
#define cr_assert_leq(a, b, ...) CR_SHIM_CHECK(1, (a) <= (b), #a " <= " #b, __VA_ARGS__)
#define cr_assert_gt(a, b, ...) CR_SHIM_CHECK(1, (a) > (b), #a " > " #b, __VA_ARGS__)
#define cr_assert_geq(a, b, ...) CR_SHIM_CHECK(1, (a) >= (b), #a " >= " #b, __VA_ARGS__)
#define cr_assert_null(p, ...) CR_SHIM_CHECK(1, (p) == NULL, #p " == NULL", __VA_ARGS__)
#define cr_assert_not_null(p, ...) CR_SHIM_CHECK(1, (p) != NULL, #p " != NULL", __VA_ARGS__)
#define cr_assert_str_eq(a, b, ...) \
	CR_SHIM_CHECK(1, strcmp((a), (b)) == 0, #a " eq " #b, __VA_ARGS__)
#define cr_assert_str_neq(a, b, ...) \
	CR_SHIM_CHECK(1, strcmp((a), (b)) != 0, #a " neq " #b, __VA_ARGS__)
#define cr_assert_fail(...) \
	criterion_shim_fail(__FILE__, __LINE__, 1, "cr_assert_fail", "" __VA_ARGS__)
#define cr_expect(cond, ...) CR_SHIM_CHECK(0, cond, #cond, __VA_ARGS__)
#define cr_expect_not(cond, ...) CR_SHIM_CHECK(0, !(cond), "!(" #cond ")", __VA_ARGS__)
#define cr_expect_eq(a, b, ...) CR_SHIM_CHECK(0, (a) == (b), #a " == " #b, __VA_ARGS__)
#define cr_expect_neq(a, b, ...) CR_SHIM_CHECK(0, (a) != (b), #a " != " #b, __VA_ARGS__)
#define cr_expect_lt(a, b, ...) CR_SHIM_CHECK(0, (a) < (b), #a " < " #b, __VA_ARGS__)
#define cr_expect_leq(a, b, ...) CR_SHIM_CHECK(0, (a) <= (b), #a " <= " #b, __VA_ARGS__)
#define cr_expect_gt(a, b, ...) CR_SHIM_CHECK(0, (a) > (b), #a " > " #b, __VA_ARGS__)
#define cr_expect_geq(a, b, ...) CR_SHIM_CHECK(0, (a) >= (b), #a " >= " #b, __VA_ARGS__)
#define cr_expect_null(p, ...) CR_SHIM_CHECK(0, (p) == NULL, #p " == NULL", __VA_ARGS__)
#define cr_expect_not_null(p, ...) CR_SHIM_CHECK(0, (p) != NULL, #p " != NULL", __VA_ARGS__)
#define cr_log_info(...) (fprintf(stderr, __VA_ARGS__), fputc('\n', stderr))
#define cr_log_warn(...) cr_log_info(__VA_ARGS__)
#define cr_log_error(...) cr_log_info(__VA_ARGS__)
#define cr_skip_test(...) criterion_shim_skip("skipped")

#endif
