/* The sysfs CPU sets and thread affinity, checked against sysconf and glibc. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kcpuset_test.h"

TestSuite(system, .fini = release_sets);

static void read_sysfs(const char *name, char *buf, size_t size)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/%s", name);
	f = fopen(path, "re");
	cr_assert_not_null(f);
	cr_assert_not_null(fgets(buf, (int)size, f));
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
}

Test(system, sysfs_sets_format_as_the_kernel_prints_them)
{
	int (*get[])(kcpuset_t *) = {kcpuset_possible, kcpuset_present, kcpuset_online};
	const char *name[] = {"possible", "present", "online"};
	char text[4096];

	for (int i = 0; i < 3; i++) {
		kcpuset_t *kcp = new_set("");

		cr_assert_eq(get[i](kcp), 0, "%s", name[i]);
		read_sysfs(name[i], text, sizeof(text));
		cr_assert_str_eq(list_of(kcp), text, "%s", name[i]);
	}
}

Test(system, online_is_within_present_within_possible)
{
	kcpuset_t *possible = new_set(""), *present = new_set(""), *online = new_set("");

	cr_assert_eq(kcpuset_possible(possible), 0);
	cr_assert_eq(kcpuset_present(present), 0);
	cr_assert_eq(kcpuset_online(online), 0);
	cr_assert(kcpuset_issubset(online, present));
	cr_assert(kcpuset_issubset(present, possible));
	cr_assert_eq(kcpuset_countset(online), (int)sysconf(_SC_NPROCESSORS_ONLN));
	cr_assert_eq(kcpuset_capacity(), kcpuset_next(possible, 0) + kcpuset_countset(possible));
}

Test(system, sysfs_sets_fit_in_4096_cpu_sets)
{
	kcpuset_t *online;

	use_capacity(4096);
	online = new_set("");
	cr_assert_eq(kcpuset_online(online), 0);
	cr_assert_eq(kcpuset_countset(online), (int)sysconf(_SC_NPROCESSORS_ONLN));
}

Test(system, getaffinity_matches_sched_getaffinity)
{
	kcpuset_t *kcp = new_set("");
	cpu_set_t mask;

	cr_assert_eq(kcpuset_getaffinity(0, kcp), 0);
	cr_assert_eq(sched_getaffinity(0, sizeof(mask), &mask), 0);
	cr_assert_eq(kcpuset_countset(kcp), CPU_COUNT(&mask));
	for (cpuid_t c = 0; c < kcpuset_capacity(); c++)
		cr_assert_eq(kcpuset_isset(kcp, c), CPU_ISSET(c, &mask) != 0, "CPU %u", c);
}

Test(system, setaffinity_then_getaffinity_round_trips_with_4096_cpu_sets)
{
	kcpuset_t *old, *one, *now;

	use_capacity(4096);
	old = new_set("");
	one = new_set("");
	now = new_set("");
	cr_assert_eq(kcpuset_getaffinity(0, old), 0);
	kcpuset_set(one, kcpuset_ffs(old) - 1);
	cr_assert_eq(kcpuset_setaffinity(0, one), 0);
	cr_assert_eq(kcpuset_getaffinity(0, now), 0);
	cr_assert(kcpuset_match(now, one), "affinity is %s", list_of(now));
	cr_assert_eq(sched_getcpu(), (int)kcpuset_ffs(old) - 1);
	cr_assert_eq(kcpuset_setaffinity(0, old), 0);
}

Test(system, setaffinity_to_the_empty_set_fails_with_einval)
{
	cr_assert_eq(kcpuset_setaffinity(0, new_set("")), -1);
	cr_assert_eq(errno, EINVAL);
}

Test(system, affinity_of_a_missing_thread_fails_with_esrch)
{
	kcpuset_t *kcp = new_set("0");

	cr_assert_eq(kcpuset_getaffinity(0x7ffffff0, kcp), -1);
	cr_assert_eq(errno, ESRCH);
	cr_assert_str_eq(list_of(kcp), "0");
	cr_assert_eq(kcpuset_setaffinity(0x7ffffff0, kcp), -1);
	cr_assert_eq(errno, ESRCH);
}

static pthread_barrier_t parked;

static void *park(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&parked);
	pthread_barrier_wait(&parked);
	return NULL;
}

Test(system, setaffinity_all_applies_to_every_thread_of_the_process)
{
	kcpuset_t *old = new_set(""), *one = new_set(""), *seen = new_set("");
	cpu_set_t mask;
	pthread_t tid;

	cr_assert_eq(kcpuset_getaffinity(0, old), 0);
	kcpuset_set(one, kcpuset_ffs(old) - 1);
	pthread_barrier_init(&parked, NULL, 2);
	cr_assert_eq(pthread_create(&tid, NULL, park, NULL), 0);
	pthread_barrier_wait(&parked);
	cr_assert_eq(kcpuset_setaffinity_all(0, one), 0);
	cr_assert_eq(pthread_getaffinity_np(tid, sizeof(mask), &mask), 0);
	cr_assert_eq(kcpuset_copyin(&mask, seen, sizeof(mask)), 0);
	cr_assert(kcpuset_match(seen, one), "thread affinity is %s", list_of(seen));
	cr_assert_eq(kcpuset_getaffinity(0, seen), 0);
	cr_assert(kcpuset_match(seen, one));
	pthread_barrier_wait(&parked);
	pthread_join(tid, NULL);
	cr_assert_eq(kcpuset_setaffinity_all(0, old), 0);
}

Test(system, setaffinity_all_of_a_missing_process_fails_with_enoent)
{
	cr_assert_eq(kcpuset_setaffinity_all(0x7ffffff0, new_set("0")), -1);
	cr_assert_eq(errno, ENOENT);
}
