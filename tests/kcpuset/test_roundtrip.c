/* Random sets survive format -> parse in both formats, at several set capacities. */
#include <stdlib.h>

#include "kcpuset_test.h"

TestSuite(roundtrip, .fini = release_sets);

/* 300 random sets of 1 .. capacity CPUs, from a fixed seed so a failure reproduces. */
static void roundtrip(unsigned int capacity)
{
	static char text[32768];
	kcpuset_t *kcp, *back;
	unsigned int seed = 12345 + capacity;

	use_capacity(capacity);
	kcp = new_set("");
	back = new_set("");
	cr_assert_eq(kcpuset_capacity(), capacity);
	for (int iter = 0; iter < 300; iter++) {
		unsigned int n = 1 + (unsigned int)rand_r(&seed) % capacity;

		kcpuset_zero(kcp);
		while ((unsigned int)kcpuset_countset(kcp) < n)
			kcpuset_set(kcp, (cpuid_t)rand_r(&seed) % capacity);
		cr_assert_lt(kcpuset_format_list(kcp, text, sizeof(text)), sizeof(text));
		cr_assert_eq(kcpuset_parse_list(back, text, NULL), 0, "list '%s'", text);
		cr_assert(kcpuset_match(kcp, back), "list '%s' changed", text);
		cr_assert_lt(kcpuset_format_mask(kcp, text, sizeof(text)), sizeof(text));
		cr_assert_eq(kcpuset_parse_mask(back, text, NULL), 0, "mask '%s'", text);
		cr_assert(kcpuset_match(kcp, back), "mask '%s' changed", text);
	}
}

Test(roundtrip, random_sets_of_64_cpus)
{
	roundtrip(64);
}

Test(roundtrip, random_sets_of_65_cpus)
{
	roundtrip(65);
}

Test(roundtrip, random_sets_of_1000_cpus)
{
	roundtrip(1000);
}

Test(roundtrip, random_sets_of_4096_cpus)
{
	roundtrip(4096);
}
