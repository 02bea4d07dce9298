/* copyin/copyout against cpu_set_t buffers shorter than, equal to and longer than a set. */
#include <errno.h>
#include <string.h>

#include "kcpuset_test.h"

TestSuite(copy, .init = capacity_4096, .fini = release_sets);

/* A cpu_set_t of len bytes with the given CPUs (CPU_SET_S keeps within len). */
static cpu_set_t *user_set(size_t len, const int *cpus, int n)
{
	static __thread unsigned long buf[256];
	cpu_set_t *ucp = (cpu_set_t *)buf;

	cr_assert_leq(len, sizeof(buf));
	memset(buf, 0, sizeof(buf));
	for (int i = 0; i < n; i++)
		CPU_SET_S((size_t)cpus[i], len, ucp);
	return ucp;
}

Test(copy, copyin_of_equal_length_copies_every_cpu)
{
	kcpuset_t *kcp = new_set("7");
	int cpus[] = {0, 100, 4095};

	cr_assert_eq(kcpuset_copyin(user_set(512, cpus, 3), kcp, 512), 0);
	cr_assert_str_eq(list_of(kcp), "0,100,4095");
}

Test(copy, copyin_shorter_than_set_reads_the_missing_tail_as_zero)
{
	kcpuset_t *kcp = new_set("0-4095");
	int cpus[] = {3, 127};

	cr_assert_eq(kcpuset_copyin(user_set(16, cpus, 2), kcp, 16), 0);
	cr_assert_str_eq(list_of(kcp), "3,127");
}

Test(copy, copyin_of_a_partial_word_reads_only_len_bytes)
{
	kcpuset_t *kcp = new_set("");
	cpu_set_t *ucp = user_set(16, (int[]){3, 127}, 2);

	cr_assert_eq(kcpuset_copyin(ucp, kcp, 9), 0);
	cr_assert_str_eq(list_of(kcp), "3");
}

Test(copy, copyin_longer_than_set_with_zero_extra_bytes_is_accepted)
{
	kcpuset_t *kcp = new_set("");
	int cpus[] = {4095};

	cr_assert_eq(kcpuset_copyin(user_set(1024, cpus, 1), kcp, 1024), 0);
	cr_assert_str_eq(list_of(kcp), "4095");
}

Test(copy, copyin_longer_than_set_with_nonzero_extra_byte_fails_and_keeps_the_set)
{
	kcpuset_t *kcp = new_set("5");
	int cpus[] = {1, 4096 + 7 * 8};

	cr_assert_eq(kcpuset_copyin(user_set(1024, cpus, 2), kcp, 1024), EINVAL);
	cr_assert_str_eq(list_of(kcp), "5");
}

Test(copy, copyin_of_cpu_beyond_capacity_in_the_last_word_fails)
{
	kcpuset_t *kcp;
	int cpus[] = {1, 100};

	use_capacity(100);
	kcp = new_set("5");
	cr_assert_eq(kcpuset_copyin(user_set(16, cpus, 2), kcp, 16), EINVAL);
	cr_assert_str_eq(list_of(kcp), "5");
	cpus[1] = 99;
	cr_assert_eq(kcpuset_copyin(user_set(16, cpus, 2), kcp, 16), 0);
	cr_assert_str_eq(list_of(kcp), "1,99");
}

Test(copy, copyin_of_cpu_in_the_padding_words_fails)
{
	kcpuset_t *kcp;
	int cpus[] = {200};

	use_capacity(100);
	kcp = new_set("5");
	cr_assert_eq(kcpuset_size(), 32u);
	cr_assert_eq(kcpuset_copyin(user_set(32, cpus, 1), kcp, 32), EINVAL);
	cr_assert_str_eq(list_of(kcp), "5");
}

Test(copy, copyout_of_equal_length_copies_every_cpu)
{
	kcpuset_t *kcp = new_set("0,100,4095");
	cpu_set_t *ucp = user_set(512, NULL, 0);

	cr_assert_eq(kcpuset_copyout(kcp, ucp, 512), 0);
	cr_assert_eq(CPU_COUNT_S(512, ucp), 3);
	cr_assert(CPU_ISSET_S(0, 512, ucp) && CPU_ISSET_S(100, 512, ucp));
	cr_assert(CPU_ISSET_S(4095, 512, ucp));
}

Test(copy, copyout_longer_than_set_zeroes_the_tail)
{
	kcpuset_t *kcp = new_set("4095");
	cpu_set_t *ucp = user_set(2048, NULL, 0);

	memset(ucp, 0xff, 2048);
	cr_assert_eq(kcpuset_copyout(kcp, ucp, 2048), 0);
	cr_assert_eq(CPU_COUNT_S(2048, ucp), 1);
	cr_assert(CPU_ISSET_S(4095, 2048, ucp));
}

Test(copy, copyout_shorter_than_set_without_high_cpu_succeeds)
{
	kcpuset_t *kcp = new_set("3,100");
	cpu_set_t *ucp = user_set(16, NULL, 0);

	cr_assert_eq(kcpuset_copyout(kcp, ucp, 16), 0);
	cr_assert_eq(CPU_COUNT_S(16, ucp), 2);
	cr_assert(CPU_ISSET_S(3, 16, ucp) && CPU_ISSET_S(100, 16, ucp));
}

Test(copy, copyout_shorter_than_set_with_high_cpu_fails)
{
	kcpuset_t *kcp = new_set("3,200");
	cpu_set_t *ucp = user_set(16, NULL, 0);

	memset(ucp, 0x5a, 16);
	cr_assert_eq(kcpuset_copyout(kcp, ucp, 16), EINVAL);
	for (int i = 0; i < 16; i++)
		cr_assert_eq(((unsigned char *)ucp)[i], 0x5a, "byte %d was written", i);
}

Test(copy, copyout_of_a_partial_word_checks_cpus_byte_by_byte)
{
	cpu_set_t *ucp = user_set(16, NULL, 0);

	cr_assert_eq(kcpuset_copyout(new_set("103"), ucp, 13), 0);
	cr_assert(CPU_ISSET_S(103, 13, ucp));
	cr_assert_eq(kcpuset_copyout(new_set("104"), ucp, 13), EINVAL);
}
