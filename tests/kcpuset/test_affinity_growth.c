/*
 * kcpuset_getaffinity() against a simulated kernel whose nr_cpu_ids exceeds the set:
 * sched_getaffinity is wrapped at link time (see CMakeLists.txt) and refuses masks of
 * fewer than kernel_cpus bits with EINVAL, as Linux does.
 */
#include <string.h>

#include "kcpuset_test.h"

int __real_sched_getaffinity(pid_t pid, size_t size, cpu_set_t *mask);
int __wrap_sched_getaffinity(pid_t pid, size_t size, cpu_set_t *mask);

static size_t kernel_cpus; /* 0: pass through to the real call */
static int allowed_cpu;	   /* the one CPU the simulated thread may use */
static size_t sizes[32];   /* mask sizes asked for, in order */
static int calls;

int __wrap_sched_getaffinity(pid_t pid, size_t size, cpu_set_t *mask)
{
	if (kernel_cpus == 0)
		return __real_sched_getaffinity(pid, size, mask);
	if (calls < 32)
		sizes[calls] = size;
	calls++;
	if (size * 8 < kernel_cpus) {
		errno = EINVAL;
		return -1;
	}
	memset(mask, 0, size);
	CPU_SET_S((size_t)allowed_cpu, size, mask);
	return 0;
}

TestSuite(growth, .fini = release_sets);

Test(growth, getaffinity_doubles_the_mask_until_the_kernel_accepts_it)
{
	kcpuset_t *kcp = new_set("");

	kernel_cpus = 3000;
	allowed_cpu = 1;
	cr_assert_eq(kcpuset_getaffinity(0, kcp), 0);
	cr_assert_str_eq(list_of(kcp), "1");
	cr_assert_eq(calls, 5);
	for (int i = 0; i < 5; i++)
		cr_assert_eq(sizes[i], kcpuset_size() << i, "call %d asked for %zu bytes", i,
			     sizes[i]);
}

Test(growth, getaffinity_with_a_cpu_beyond_the_capacity_fails_with_erange)
{
	kcpuset_t *kcp = new_set("0");

	kernel_cpus = 3000;
	allowed_cpu = 2999;
	cr_assert_eq(kcpuset_getaffinity(0, kcp), -1);
	cr_assert_eq(errno, ERANGE);
	cr_assert_str_eq(list_of(kcp), "0");
}

Test(growth, getaffinity_stops_growing_at_one_mebibyte)
{
	kcpuset_t *kcp = new_set("0");

	kernel_cpus = (size_t)-1;
	cr_assert_eq(kcpuset_getaffinity(0, kcp), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_lt(calls, 32);
	cr_assert_eq(sizes[calls - 1], (size_t)1 << 20);
	cr_assert_str_eq(list_of(kcp), "0");
}
