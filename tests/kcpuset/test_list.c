/* The cpulist format: parsing, its errors, and formatting. */
#include <string.h>

#include "kcpuset_test.h"

TestSuite(list, .init = capacity_4096, .fini = release_sets);

static const char *parsed(const char *str)
{
	kcpuset_t *kcp = new_set("");

	cr_assert_eq(kcpuset_parse_list(kcp, str, NULL), 0, "'%s' was refused", str);
	return list_of(kcp);
}

Test(list, ranges_and_single_cpus_parse_and_format_back)
{
	cr_assert_str_eq(parsed("0-3,8,10-11"), "0-3,8,10-11");
	cr_assert_str_eq(parsed("11,10,0-3,8,2"), "0-3,8,10-11");
	cr_assert_str_eq(parsed("0-4095"), "0-4095");
	cr_assert_str_eq(parsed("63-64,127-128"), "63-64,127-128");
	cr_assert_str_eq(parsed("007"), "7");
}

Test(list, stride_form_takes_the_first_cpus_of_every_group)
{
	cr_assert_str_eq(parsed("0-15:2/4"), "0-1,4-5,8-9,12-13");
	cr_assert_str_eq(parsed("0-4095:1/1024"), "0,1024,2048,3072");
	cr_assert_str_eq(parsed("2-10:3/4"), "2-4,6-8,10");
	cr_assert_str_eq(parsed("0-9:0/5"), "");
	cr_assert_str_eq(parsed("0-9:1/4294967295"), "0");
}

Test(list, n_names_the_last_cpu_a_set_holds)
{
	cr_assert_str_eq(parsed("N"), "4095");
	cr_assert_str_eq(parsed("4000-N:1/32"), "4000,4032,4064");
	cr_assert_str_eq(parsed("0,N"), "0,4095");
	expect_parse_error(kcpuset_parse_list, "N-5", EINVAL, 0, "reversed range");
	expect_parse_error(kcpuset_parse_list, "0-N1", EINVAL, 3, "unexpected character");
}

Test(list, empty_string_and_lone_newline_are_the_empty_set)
{
	cr_assert_str_eq(parsed(""), "");
	cr_assert_str_eq(parsed("\n"), "");
}

Test(list, newlines_end_the_list)
{
	cr_assert_str_eq(parsed("0-1\n"), "0-1");
	cr_assert_str_eq(parsed("0-1\n\n"), "0-1");
	cr_assert_str_eq(parsed("0-1:1/2 \n,\n"), "0");
	expect_parse_error(kcpuset_parse_list, "0-1\n5\n", EINVAL, 4,
			   "text after the end of the line");
	expect_parse_error(kcpuset_parse_list, "0-3:1/2\n5", EINVAL, 8,
			   "text after the end of the line");
}

Test(list, trailing_junk_is_rejected_at_its_position)
{
	expect_parse_error(kcpuset_parse_list, "0-3x", EINVAL, 3, "unexpected character");
	expect_parse_error(kcpuset_parse_list, "1x ", EINVAL, 1, "unexpected character");
	expect_parse_error(kcpuset_parse_list, "3:1/2", EINVAL, 1, "unexpected character");
	expect_parse_error(kcpuset_parse_list, "0-15:2", EINVAL, 6, "unexpected character");
}

Test(list, missing_numbers_are_rejected)
{
	expect_parse_error(kcpuset_parse_list, " x", EINVAL, 1, "expected a decimal number");
	expect_parse_error(kcpuset_parse_list, "-1", EINVAL, 0, "expected a decimal number");
	expect_parse_error(kcpuset_parse_list, "4-", EINVAL, 2, "expected a decimal number");
	expect_parse_error(kcpuset_parse_list, "0-7:/2", EINVAL, 4, "expected a decimal number");
}

Test(list, empty_items_and_white_space_separate_like_commas)
{
	cr_assert_str_eq(parsed("1,,2"), "1-2");
	cr_assert_str_eq(parsed(",1"), "1");
	cr_assert_str_eq(parsed("1,"), "1");
	cr_assert_str_eq(parsed("\t1 3\r\v\f5-6"), "1,3,5-6");
	expect_parse_error(kcpuset_parse_list, "1 -3", EINVAL, 2, "expected a decimal number");
}

Test(list, all_is_every_cpu_and_takes_a_stride)
{
	cr_assert_str_eq(parsed("all"), "0-4095");
	cr_assert_str_eq(parsed("aLl:1/1024"), "0,1024,2048,3072");
	expect_parse_error(kcpuset_parse_list, "all-3", EINVAL, 3, "unexpected character");
}

Test(list, n_in_a_stride_is_the_last_cpu_number)
{
	cr_assert_str_eq(parsed("0-N:1/N"), "0,4095");
	cr_assert_str_eq(parsed("4094-N:N/N"), "4094-4095");
}

Test(list, an_item_glued_to_a_group_size_is_refused)
{
	expect_parse_error(kcpuset_parse_list, "0-7:1/2N", EINVAL, 7, "unexpected character");
}

Test(list, syntax_errors_come_before_range_errors)
{
	expect_parse_error(kcpuset_parse_list, "5000-1", EINVAL, 0, "reversed range");
	expect_parse_error(kcpuset_parse_list, "0-5000:3/2", EINVAL, 7,
			   "more CPUs used than the group holds");
	expect_parse_error(kcpuset_parse_list, "5000x", EINVAL, 4, "unexpected character");
}

Test(list, reversed_range_is_rejected_at_its_start)
{
	expect_parse_error(kcpuset_parse_list, "0,5-3", EINVAL, 2, "reversed range");
}

Test(list, cpu_beyond_the_capacity_is_rejected_with_erange)
{
	expect_parse_error(kcpuset_parse_list, "4096", ERANGE, 0, "CPU beyond the possible CPUs");
	expect_parse_error(kcpuset_parse_list, "1,0-4096", ERANGE, 4,
			   "CPU beyond the possible CPUs");
}

Test(list, number_overflow_is_rejected_with_eoverflow)
{
	expect_parse_error(kcpuset_parse_list, "1,4294967296", EOVERFLOW, 2, "number too large");
	expect_parse_error(kcpuset_parse_list, "0-1:99999999999999999999/2", EOVERFLOW, 4,
			   "number too large");
}

Test(list, bad_stride_groups_are_rejected)
{
	expect_parse_error(kcpuset_parse_list, "0-15:0/0", EINVAL, 7, "group size is zero");
	expect_parse_error(kcpuset_parse_list, "0-15:3/2", EINVAL, 5,
			   "more CPUs used than the group holds");
}

Test(list, error_details_are_optional)
{
	kcpuset_t *kcp = new_set("");

	cr_assert_eq(kcpuset_parse_list(kcp, "x", NULL), -1);
	cr_assert_eq(errno, EINVAL);
}

Test(list, format_of_the_empty_set_is_the_empty_string)
{
	cr_assert_str_eq(list_of(new_set("")), "");
}

Test(list, format_truncates_like_snprintf_and_returns_the_full_length)
{
	kcpuset_t *kcp = new_set("0-3,8");
	char buf[8];

	memset(buf, 'z', sizeof(buf));
	cr_assert_eq(kcpuset_format_list(kcp, buf, 4), 5u);
	cr_assert_str_eq(buf, "0-3");
	cr_assert_eq(buf[4], 'z');
	cr_assert_eq(kcpuset_format_list(kcp, NULL, 0), 5u);
	cr_assert_eq(kcpuset_format_list(kcp, buf, 6), 5u);
	cr_assert_str_eq(buf, "0-3,8");
}
