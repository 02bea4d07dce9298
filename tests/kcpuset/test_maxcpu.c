#include <criterion/criterion.h>
#include <errno.h>
#include <pcpu/kcpuset.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "kcpuset/maxcpu.h"

Test(maxcpu, covers_every_configured_cpu)
{
	cr_assert_geq(pcpu_maxcpu(), (unsigned int)sysconf(_SC_NPROCESSORS_CONF));
}

Test(maxcpu, env_raises_the_count)
{
	setenv("PCPU_MAXCPU", "4096", 1);
	cr_assert_eq(pcpu_maxcpu(), 4096u);
}

Test(maxcpu, setcapacity_before_first_use_raises_the_count)
{
	cr_assert_eq(kcpuset_setcapacity(8192), 0);
	cr_assert_eq(kcpuset_capacity(), 8192u);
	cr_assert_eq(kcpuset_setcapacity(100), 0, "below the fixed count: nothing to do");
	cr_assert_eq(kcpuset_setcapacity(8193), -1, "the count is fixed at its first use");
	cr_assert_eq(errno, EBUSY);
	cr_assert_eq(kcpuset_capacity(), 8192u);
}

Test(maxcpu, setcapacity_refuses_0_and_above_65536)
{
	cr_assert_eq(kcpuset_setcapacity(0), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(kcpuset_setcapacity(65537), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(kcpuset_setcapacity(65536), 0);
	cr_assert_eq(kcpuset_capacity(), 65536u);
}

Test(maxcpu, env_never_lowers_the_count)
{
	setenv("PCPU_MAXCPU", "1", 1);
	cr_assert_geq(pcpu_maxcpu(), (unsigned int)sysconf(_SC_NPROCESSORS_CONF));
}

Test(maxcpu, malformed_env_is_ignored)
{
	setenv("PCPU_MAXCPU", "12abc", 1);
	cr_assert_lt(pcpu_maxcpu(), 12u);
}

Test(maxcpu, env_above_65536_is_ignored)
{
	setenv("PCPU_MAXCPU", "65537", 1);
	cr_assert_lt(pcpu_maxcpu(), 65537u);
}

static void *read_maxcpu(void *out)
{
	*(unsigned int *)out = pcpu_maxcpu();
	return NULL;
}

Test(maxcpu, same_value_from_many_threads)
{
	pthread_t tid[8];
	unsigned int seen[8];

	setenv("PCPU_MAXCPU", "300", 1);
	for (int i = 0; i < 8; i++)
		pthread_create(&tid[i], NULL, read_maxcpu, &seen[i]);
	for (int i = 0; i < 8; i++) {
		pthread_join(tid[i], NULL);
		cr_assert_eq(seen[i], 300u);
	}
}
