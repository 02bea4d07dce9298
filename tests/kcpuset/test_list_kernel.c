/*
 * The cases of the Linux kernel's bitmap_parselist() test table (lib/test_bitmap.c,
 * parselist_tests[]), every accepted and every rejected entry, with its nbits as the
 * capacity of the set. An expected set is the kernel's exp1[]/exp2[] value, as 64-bit
 * words; a rejection is the kernel's errno. Each test is named after its input.
 */
#include <stdint.h>
#include <string.h>

#include "kcpuset_test.h"

TestSuite(list_kernel, .fini = release_sets);

/* exp1[] of lib/test_bitmap.c. */
#define EXP1_0 0x1ULL
#define EXP1_1 0x2ULL
#define EXP1_2 0x0000ffffULL
#define EXP1_3 0xffff0000ULL
#define EXP1_4 0x55555555ULL
#define EXP1_5 0xaaaaaaaaULL
#define EXP1_6 0x11111111ULL
#define EXP1_7 0x22222222ULL
#define EXP1_8 0xffffffffULL
#define EXP1_9 0xfffffffeULL
#define EXP1_10 0x3333333311111111ULL
#define EXP1_11 0xffffffff77777777ULL
#define EXP1_12 0x0ULL
#define EXP1_13 0x00008000ULL
#define EXP1_14 0x80000000ULL

/* A set of exactly nbits CPUs, as the kernel's bitmap of nbits. */
static kcpuset_t *set_of(unsigned int nbits)
{
	kcpuset_t *kcp;

	use_capacity(nbits);
	kcp = new_set("");
	if (kcpuset_capacity() != nbits)
		cr_skip_test("this machine has more than %u possible CPUs", nbits);
	return kcp;
}

/* str parses into a set of nbits whose 64-bit words are the n of want[]. */
static void expect_words(unsigned int nbits, const char *str, const uint64_t *want, size_t n)
{
	kcpuset_t *kcp = set_of(nbits);
	uint32_t got[4];

	cr_assert_eq(kcpuset_parse_list(kcp, str, NULL), 0, "'%s' was refused: errno %d", str,
		     errno);
	kcpuset_export_u32(kcp, got, sizeof(got));
	for (size_t i = 0; i < n; i++)
		cr_assert_eq((uint64_t)got[2 * i + 1] << 32 | got[2 * i], want[i],
			     "'%s': word %zu is %#llx", str, i,
			     (unsigned long long)((uint64_t)got[2 * i + 1] << 32 | got[2 * i]));
	for (size_t i = 2 * n; i < 4; i++)
		cr_assert_eq(got[i], 0u, "'%s': bits beyond the expected words", str);
}

static void expect_errno(unsigned int nbits, const char *str, int errnum)
{
	kcpuset_t *kcp = set_of(nbits);

	kcpuset_parse_list(kcp, "0", NULL);
	errno = 0;
	cr_assert_eq(kcpuset_parse_list(kcp, str, NULL), -1, "'%s' was accepted", str);
	cr_assert_eq(errno, errnum, "'%s': errno %d, want %d", str, errno, errnum);
	cr_assert(kcpuset_isset(kcp, 0) && kcpuset_countset(kcp) == 1, "'%s' changed the set", str);
}

#define ACCEPTS(name, nbits, str, exp)              \
	Test(list_kernel, name, .description = str) \
	{                                           \
		const uint64_t want[] = {exp};      \
		expect_words(nbits, str, want, 1);  \
	}

#define REFUSES(name, nbits, str, errnum)           \
	Test(list_kernel, name, .description = str) \
	{                                           \
		expect_errno(nbits, str, errnum);   \
	}

ACCEPTS(cpu_0, 8, "0", EXP1_0)
ACCEPTS(cpu_1, 8, "1", EXP1_1)
ACCEPTS(range_0_15, 32, "0-15", EXP1_2)
ACCEPTS(range_16_31, 32, "16-31", EXP1_3)
ACCEPTS(stride_0_31_1_of_2, 32, "0-31:1/2", EXP1_4)
ACCEPTS(stride_1_31_1_of_2, 32, "1-31:1/2", EXP1_5)
ACCEPTS(stride_0_31_1_of_4, 32, "0-31:1/4", EXP1_6)
ACCEPTS(stride_1_31_1_of_4, 32, "1-31:1/4", EXP1_7)
ACCEPTS(stride_0_31_4_of_4, 32, "0-31:4/4", EXP1_8)
ACCEPTS(stride_1_31_4_of_4, 32, "1-31:4/4", EXP1_9)
ACCEPTS(two_strides_1_of_4_and_2_of_4, 64, "0-31:1/4,32-63:2/4", EXP1_10)
ACCEPTS(two_strides_3_of_4_and_4_of_4, 64, "0-31:3/4,32-63:4/4", EXP1_11)
ACCEPTS(two_strides_amid_spaces_and_empty_items, 64, "  ,,  0-31:3/4  ,, 32-63:4/4  ,,  ", EXP1_11)

Test(list_kernel, four_strides_over_128_cpus,
     .description = "0-31:1/4,32-63:2/4,64-95:3/4,96-127:4/4")
{
	const uint64_t exp2[] = {EXP1_10, EXP1_11};

	expect_words(128, "0-31:1/4,32-63:2/4,64-95:3/4,96-127:4/4", exp2, 2);
}

/* The kernel times this one and checks only that it is accepted; the set is checked here. */
Test(list_kernel, stride_0_2047_128_of_256, .description = "0-2047:128/256")
{
	kcpuset_t *kcp = set_of(2048);

	cr_assert_eq(kcpuset_parse_list(kcp, "0-2047:128/256", NULL), 0);
	cr_assert_eq(kcpuset_countset(kcp), 1024u);
	for (cpuid_t cpu = 0; cpu < 2048; cpu++)
		cr_assert_eq(kcpuset_isset(kcp, cpu), cpu % 256 < 128, "CPU %u", cpu);
}

ACCEPTS(empty_string, 8, "", EXP1_12)
ACCEPTS(lone_newline, 8, "\n", EXP1_12)
ACCEPTS(commas_and_spaces, 8, ",,  ,,  , ,  ,", EXP1_12)
ACCEPTS(spaces_and_commas, 8, " ,  ,,  , ,   ", EXP1_12)
ACCEPTS(spaces_and_commas_then_newline, 8, " ,  ,,  , ,   \n", EXP1_12)

ACCEPTS(range_0_0, 32, "0-0", EXP1_0)
ACCEPTS(range_1_1, 32, "1-1", EXP1_1)
ACCEPTS(range_15_15, 32, "15-15", EXP1_13)
ACCEPTS(range_31_31, 32, "31-31", EXP1_14)

ACCEPTS(stride_0_0_0_of_1, 32, "0-0:0/1", EXP1_12)
ACCEPTS(stride_0_0_1_of_1, 32, "0-0:1/1", EXP1_0)
ACCEPTS(stride_0_0_1_of_31, 32, "0-0:1/31", EXP1_0)
ACCEPTS(stride_0_0_31_of_31, 32, "0-0:31/31", EXP1_0)
ACCEPTS(stride_1_1_1_of_1, 32, "1-1:1/1", EXP1_1)
ACCEPTS(stride_0_15_16_of_31, 32, "0-15:16/31", EXP1_2)
ACCEPTS(stride_15_15_1_of_2, 32, "15-15:1/2", EXP1_13)
ACCEPTS(stride_15_15_31_of_31, 32, "15-15:31/31", EXP1_13)
ACCEPTS(stride_15_31_1_of_31, 32, "15-31:1/31", EXP1_13)
ACCEPTS(stride_16_31_16_of_31, 32, "16-31:16/31", EXP1_3)
ACCEPTS(stride_31_31_31_of_31, 32, "31-31:31/31", EXP1_14)

ACCEPTS(range_N_N, 32, "N-N", EXP1_14)
ACCEPTS(stride_0_0_1_of_N, 32, "0-0:1/N", EXP1_0)
ACCEPTS(stride_0_0_N_of_N, 32, "0-0:N/N", EXP1_0)
ACCEPTS(stride_0_15_16_of_N, 32, "0-15:16/N", EXP1_2)
ACCEPTS(stride_15_15_N_of_N, 32, "15-15:N/N", EXP1_13)
ACCEPTS(stride_15_N_1_of_N, 32, "15-N:1/N", EXP1_13)
ACCEPTS(stride_16_N_16_of_N, 32, "16-N:16/N", EXP1_3)
ACCEPTS(stride_N_N_N_of_N, 32, "N-N:N/N", EXP1_14)

ACCEPTS(three_strides_to_N_cover_all, 32, "0-N:1/3,1-N:1/3,2-N:1/3", EXP1_8)
ACCEPTS(three_strides_to_31_cover_all, 32, "0-31:1/3,1-31:1/3,2-31:1/3", EXP1_8)
ACCEPTS(overlapping_strides_and_an_empty_one, 32, "1-10:8/12,8-31:24/29,0-31:0/3", EXP1_9)

ACCEPTS(all, 32, "all", EXP1_8)
ACCEPTS(all_among_cpus_and_spaces, 32, "0, 1, all,  ", EXP1_8)
ACCEPTS(all_stride_1_of_2, 32, "all:1/2", EXP1_4)
ACCEPTS(all_in_capitals_stride_1_of_2, 32, "ALL:1/2", EXP1_4)
REFUSES(al_is_not_all, 8, "al", EINVAL)
REFUSES(alll_is_not_all, 8, "alll", EINVAL)

REFUSES(minus_1, 8, "-1", EINVAL)
REFUSES(minus_0, 8, "-0", EINVAL)
REFUSES(reversed_10_1, 8, "10-1", EINVAL)
REFUSES(range_8_8_beyond_8_cpus, 8, "8-8", ERANGE)
REFUSES(range_0_31_beyond_8_cpus, 8, "0-31", ERANGE)
REFUSES(stride_without_numbers, 32, "0-31:", EINVAL)
REFUSES(stride_without_group, 32, "0-31:0", EINVAL)
REFUSES(stride_with_empty_group, 32, "0-31:0/", EINVAL)
REFUSES(stride_0_of_0, 32, "0-31:0/0", EINVAL)
REFUSES(stride_1_of_0, 32, "0-31:1/0", EINVAL)
REFUSES(stride_10_of_1, 32, "0-31:10/1", EINVAL)
REFUSES(range_end_overflows, 8, "0-98765432123456789:10/1", EOVERFLOW)

REFUSES(letter_as_range_start, 8, "a-31", EINVAL)
REFUSES(letter_in_range_end, 8, "0-a1", EINVAL)
REFUSES(letter_as_start_of_stride_range, 8, "a-31:10/1", EINVAL)
REFUSES(letter_as_used_count, 8, "0-31:a/1", EINVAL)
REFUSES(newline_as_range_end, 8, "0-\n", EINVAL)
