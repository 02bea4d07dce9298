/* The hexadecimal mask format: parsing, its errors, and formatting. */
#include <string.h>

#include "kcpuset_test.h"

TestSuite(mask, .init = capacity_4096, .fini = release_sets);

static const char *parsed(const char *str)
{
	kcpuset_t *kcp = new_set("");

	cr_assert_eq(kcpuset_parse_mask(kcp, str, NULL), 0, "'%s' was refused", str);
	return list_of(kcp);
}

static const char *mask_of(const char *cpulist)
{
	static char buf[2048];

	cr_assert_lt(kcpuset_format_mask(new_set(cpulist), buf, sizeof(buf)), sizeof(buf));
	return buf;
}

Test(mask, comma_groups_hold_32_cpus_most_significant_first)
{
	cr_assert_str_eq(parsed("ff,00000000"), "32-39");
	cr_assert_str_eq(parsed("1,1"), "0,32");
	cr_assert_str_eq(parsed("80000000,00000000,00000001"), "0,95");
}

Test(mask, prefix_case_and_trailing_newline_are_accepted)
{
	cr_assert_str_eq(parsed("0x3"), "0-1");
	cr_assert_str_eq(parsed("0XfF\n"), "0-7");
}

Test(mask, a_single_group_may_be_longer_than_8_digits)
{
	cr_assert_str_eq(parsed("10000000000"), "40");
	cr_assert_str_eq(parsed("00000000000000000000000000000000000000001"), "0");
}

Test(mask, zero_groups_beyond_the_capacity_are_accepted)
{
	char big[140 * 9];

	memset(big, 0, sizeof(big));
	for (int g = 0; g < 139; g++)
		strcat(big, "00000000,");
	strcat(big, "00000001");
	cr_assert_str_eq(parsed(big), "0");
}

Test(mask, empty_masks_and_groups_are_rejected)
{
	expect_parse_error(kcpuset_parse_mask, "", EINVAL, 0, "empty mask");
	expect_parse_error(kcpuset_parse_mask, "0x", EINVAL, 2, "empty mask");
	expect_parse_error(kcpuset_parse_mask, "ff,", EINVAL, 3, "empty group");
	expect_parse_error(kcpuset_parse_mask, ",ff", EINVAL, 0, "empty group");
	expect_parse_error(kcpuset_parse_mask, "1,,1", EINVAL, 2, "empty group");
}

Test(mask, junk_is_rejected_at_its_position)
{
	expect_parse_error(kcpuset_parse_mask, "fg", EINVAL, 1, "unexpected character");
	expect_parse_error(kcpuset_parse_mask, "ff \n", EINVAL, 2, "unexpected character");
	expect_parse_error(kcpuset_parse_mask, "0x0x1", EINVAL, 3, "unexpected character");
}

Test(mask, a_group_of_more_than_8_digits_among_several_overflows)
{
	expect_parse_error(kcpuset_parse_mask, "1,123456789", EOVERFLOW, 10,
			   "group longer than 8 hex digits");
}

Test(mask, cpu_beyond_the_capacity_is_rejected_with_erange)
{
	char big[130 * 9];

	memset(big, 0, sizeof(big));
	strcat(big, "1");
	for (int g = 0; g < 128; g++)
		strcat(big, ",00000000");
	expect_parse_error(kcpuset_parse_mask, big, ERANGE, 0, "CPU beyond the possible CPUs");
}

Test(mask, cpu_beyond_a_capacity_inside_the_last_word_is_rejected)
{
	use_capacity(100);
	cr_assert_str_eq(parsed("8,00000000,00000000,00000000"), "99");
	expect_parse_error(kcpuset_parse_mask, "10,00000000,00000000,00000000", ERANGE, 0,
			   "CPU beyond the possible CPUs");
}

Test(mask, format_is_the_shortest_form)
{
	cr_assert_str_eq(mask_of(""), "0");
	cr_assert_str_eq(mask_of("0"), "1");
	cr_assert_str_eq(mask_of("0-7"), "ff");
	cr_assert_str_eq(mask_of("32-39"), "ff,00000000");
	cr_assert_str_eq(mask_of("4,64"), "1,00000000,00000010");
}

Test(mask, format_of_the_highest_cpu_prints_every_group)
{
	const char *m = mask_of("4095");

	cr_assert_eq(strlen(m), 8 + 127 * 9);
	cr_assert_eq(strncmp(m, "80000000,00000000,", 18), 0);
}

Test(mask, format_truncates_like_snprintf_and_returns_the_full_length)
{
	char buf[4];

	cr_assert_eq(kcpuset_format_mask(new_set("32-39"), buf, sizeof(buf)), 11u);
	cr_assert_str_eq(buf, "ff,");
}
