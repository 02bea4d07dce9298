/* The NetBSD set operations and the size, iteration, subset and full extensions. */
#include <limits.h>
#include <string.h>

#include "kcpuset_test.h"

TestSuite(ops, .init = capacity_4096, .fini = release_sets);

Test(ops, capacity_and_size_follow_maxcpu)
{
	cr_assert_eq(kcpuset_capacity(), 4096u);
	cr_assert_eq(kcpuset_size(), 512u);
}

Test(ops, create_with_zero_gives_an_empty_set)
{
	kcpuset_t *kcp;

	kcpuset_create(&kcp, true);
	cr_assert(kcpuset_iszero(kcp));
	cr_assert_eq(kcpuset_countset(kcp), 0);
	kcpuset_destroy(kcp);
}

Test(ops, set_clear_and_isset_agree)
{
	kcpuset_t *kcp = new_set("");

	kcpuset_set(kcp, 0);
	kcpuset_set(kcp, 63);
	kcpuset_set(kcp, 64);
	kcpuset_set(kcp, 4095);
	cr_assert_str_eq(list_of(kcp), "0,63-64,4095");
	cr_assert_eq(kcpuset_isset(kcp, 63), 1);
	cr_assert_eq(kcpuset_isset(kcp, 62), 0);
	kcpuset_clear(kcp, 63);
	cr_assert_eq(kcpuset_isset(kcp, 63), 0);
	cr_assert_str_eq(list_of(kcp), "0,64,4095");
}

Test(ops, out_of_range_cpu_is_never_written_and_never_set)
{
	kcpuset_t *kcp = new_set("1");

	kcpuset_set(kcp, 4096);
	kcpuset_set(kcp, UINT_MAX);
	kcpuset_atomic_set(kcp, 4096);
	kcpuset_clear(kcp, 4097);
	kcpuset_atomic_clear(kcp, UINT_MAX);
	cr_assert_str_eq(list_of(kcp), "1");
	cr_assert_eq(kcpuset_isset(kcp, 4096), 0);
	cr_assert_eq(kcpuset_isset(kcp, UINT_MAX), 0);
}

Test(ops, fill_sets_exactly_the_capacity_when_not_a_word_multiple)
{
	kcpuset_t *kcp;

	use_capacity(100);
	kcpuset_create(&kcp, false);
	kcpuset_fill(kcp);
	cr_assert_eq(kcpuset_countset(kcp), 100);
	cr_assert_str_eq(list_of(kcp), "0-99");
	cr_assert(kcpuset_isfull(kcp));
	kcpuset_clear(kcp, 50);
	cr_assert_not(kcpuset_isfull(kcp));
	kcpuset_destroy(kcp);
}

Test(ops, zero_empties_a_full_set)
{
	kcpuset_t *kcp;

	kcpuset_create(&kcp, false);
	kcpuset_fill(kcp);
	cr_assert(kcpuset_isfull(kcp));
	kcpuset_zero(kcp);
	cr_assert(kcpuset_iszero(kcp));
	kcpuset_destroy(kcp);
}

Test(ops, copy_clone_and_match)
{
	kcpuset_t *a = new_set("3,100-200,4095"), *b = new_set("7"), *c;

	cr_assert_not(kcpuset_match(a, b));
	kcpuset_copy(b, a);
	cr_assert(kcpuset_match(a, b));
	kcpuset_clone(&c, a);
	cr_assert_not_null(c);
	cr_assert(kcpuset_match(a, c));
	kcpuset_set(c, 5);
	cr_assert_not(kcpuset_match(a, c));
	kcpuset_destroy(c);
}

Test(ops, copy_and_merge_of_a_set_onto_itself_keep_it)
{
	kcpuset_t *a = new_set("3,4095");

	kcpuset_copy(a, a);
	kcpuset_merge(a, a);
	kcpuset_intersect(a, a);
	cr_assert_str_eq(list_of(a), "3,4095");
	kcpuset_remove(a, a);
	cr_assert(kcpuset_iszero(a));
}

Test(ops, merge_intersect_and_remove_give_exact_sets)
{
	kcpuset_t *a = new_set("0-9,1000"), *b = new_set("5-14,4000");

	kcpuset_merge(a, b);
	cr_assert_str_eq(list_of(a), "0-14,1000,4000");
	kcpuset_intersect(a, b);
	cr_assert_str_eq(list_of(a), "5-14,4000");
	kcpuset_remove(a, new_set("6-13"));
	cr_assert_str_eq(list_of(a), "5,14,4000");
}

Test(ops, intersecting_p_is_true_only_with_a_common_cpu)
{
	kcpuset_t *a = new_set("1,3000"), *b = new_set("2,3001"), *c = new_set("3000");

	cr_assert_not(kcpuset_intersecting_p(a, b));
	cr_assert(kcpuset_intersecting_p(a, c));
}

Test(ops, isotherset_looks_at_every_cpu_but_the_given_one)
{
	kcpuset_t *one = new_set("5"), *two = new_set("5,3000"), *none = new_set("");

	cr_assert_not(kcpuset_isotherset(one, 5));
	cr_assert(kcpuset_isotherset(one, 6));
	cr_assert(kcpuset_isotherset(one, 4096));
	cr_assert(kcpuset_isotherset(two, 5));
	cr_assert(kcpuset_isotherset(two, 3000));
	cr_assert_not(kcpuset_isotherset(none, 0));
}

Test(ops, ffs_returns_lowest_cpu_plus_one_and_zero_when_empty)
{
	cr_assert_eq(kcpuset_ffs(new_set("")), 0u);
	cr_assert_eq(kcpuset_ffs(new_set("0,7")), 1u);
	cr_assert_eq(kcpuset_ffs(new_set("130-140")), 131u);
	cr_assert_eq(kcpuset_ffs(new_set("4095")), 4096u);
}

Test(ops, ffs_intersecting_finds_the_lowest_common_cpu)
{
	kcpuset_t *a = new_set("1,70,2000"), *b = new_set("2,70,2000");

	cr_assert_eq(kcpuset_ffs_intersecting(a, b), 71u);
	cr_assert_eq(kcpuset_ffs_intersecting(a, new_set("0,2")), 0u);
}

Test(ops, countset_counts_every_word)
{
	cr_assert_eq(kcpuset_countset(new_set("0-63,64,1000-1099,4095")), 64 + 1 + 100 + 1);
}

Test(ops, next_walks_the_set_in_increasing_order)
{
	kcpuset_t *kcp = new_set("1,64,65,4095");
	cpuid_t seen[8], cpu;
	int n = 0;

	KCPUSET_FOREACH(cpu, kcp)
	{
		cr_assert_lt(n, 8);
		seen[n++] = cpu;
	}
	cr_assert_eq(n, 4);
	cr_assert(seen[0] == 1 && seen[1] == 64 && seen[2] == 65 && seen[3] == 4095);
	cr_assert_eq(kcpuset_next(kcp, 66), 4095u);
	cr_assert_eq(kcpuset_next(kcp, 4096), KCPUSET_NONE);
	cr_assert_eq(kcpuset_next(new_set(""), 0), KCPUSET_NONE);
}

Test(ops, issubset_holds_for_subsets_and_the_empty_set)
{
	kcpuset_t *big = new_set("0-100,4000"), *small = new_set("5,4000");

	cr_assert(kcpuset_issubset(small, big));
	cr_assert_not(kcpuset_issubset(big, small));
	cr_assert(kcpuset_issubset(new_set(""), small));
	cr_assert(kcpuset_issubset(big, big));
}

Test(ops, export_u32_orders_cpus_in_32_bit_words)
{
	kcpuset_t *kcp = new_set("0,33,4095");
	uint32_t out[130];

	memset(out, 0xaa, sizeof(out));
	kcpuset_export_u32(kcp, out, sizeof(out));
	cr_assert_eq(out[0], 1u);
	cr_assert_eq(out[1], 2u);
	cr_assert_eq(out[127], 0x80000000u);
	cr_assert_eq(out[128], 0u);
	cr_assert_eq(out[129], 0u);
}

Test(ops, export_u32_shorter_than_the_set_exports_what_fits)
{
	kcpuset_t *kcp = new_set("0,33,4095");
	uint32_t out[3] = {7, 7, 7};

	kcpuset_export_u32(kcp, out, 2 * sizeof(uint32_t));
	cr_assert(out[0] == 1u && out[1] == 2u);
	cr_assert_eq(out[2], 7u);
}

Test(ops, atomicly_operations_give_exact_sets)
{
	kcpuset_t *a = new_set("0-9,1000");

	kcpuset_atomicly_merge(a, new_set("20,4095"));
	cr_assert_str_eq(list_of(a), "0-9,20,1000,4095");
	kcpuset_atomicly_remove(a, new_set("1-8"));
	cr_assert_str_eq(list_of(a), "0,9,20,1000,4095");
	kcpuset_atomicly_intersect(a, new_set("9,1000-4095"));
	cr_assert_str_eq(list_of(a), "9,1000,4095");
}

Test(ops, atomicly_intersect_clears_words_where_the_other_set_is_zero)
{
	kcpuset_t *a = new_set("0-4095");

	kcpuset_atomicly_intersect(a, new_set("64"));
	cr_assert_str_eq(list_of(a), "64");
	kcpuset_atomicly_intersect(a, new_set(""));
	cr_assert(kcpuset_iszero(a));
}

Test(ops, inline_functions_are_also_exported)
{
	int (*isset)(const kcpuset_t *, cpuid_t) = kcpuset_isset;
	void (*set)(kcpuset_t *, cpuid_t) = kcpuset_set;
	void (*clear)(kcpuset_t *, cpuid_t) = kcpuset_clear;
	kcpuset_t *kcp = new_set("");

	set(kcp, 77);
	cr_assert_eq(isset(kcp, 77), 1);
	clear(kcp, 77);
	cr_assert_eq(isset(kcp, 77), 0);
}
