/* corefile NULL: the running kernel through /proc and /sys. */
#include <criterion/criterion.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcpu/kvm.h>

#include "common/testutil.h"

static kvm_t *kd;

static void setup(void)
{
	kd = kvm_openfiles(NULL, NULL, NULL, O_RDONLY, NULL);
	cr_assert_not_null(kd, "%s", kvm_geterr(NULL));
}

static void teardown(void)
{
	kvm_close(kd);
}

TestSuite(kernel, .init = setup, .fini = teardown);

/* The largest id of /sys/devices/system/cpu/possible, plus one, read independently. */
static int possible_cpus(void)
{
	FILE *fp = fopen("/sys/devices/system/cpu/possible", "r");
	char buf[256] = "";
	long largest = -1;

	cr_assert_not_null(fp);
	cr_assert_not_null(fgets(buf, sizeof(buf), fp));
	fclose(fp);
	for (char *p = buf; *p != '\0';) {
		if (!isdigit((unsigned char)*p)) {
			p++;
			continue;
		}
		long id = strtol(p, &p, 10);

		largest = id > largest ? id : largest;
	}
	return (int)largest + 1;
}

Test(kernel, getmaxcpu_is_the_possible_cpu_count)
{
	cr_expect_eq(kvm_getmaxcpu(kd), possible_cpus());
}

Test(kernel, getncpus_is_the_online_cpu_count)
{
	cr_expect_eq(kvm_getncpus(kd), sysconf(_SC_NPROCESSORS_ONLN));
}

Test(kernel, getpcpu_of_online_cpu_has_id_state_and_times)
{
	struct pcpu *pc = kvm_getpcpu(kd, 0);
	uint64_t total = 0;

	cr_assert(pc != NULL && pc != (void *)-1, "%s", kvm_geterr(kd));
	cr_expect_eq(pc->pc_cpuid, 0u);
	cr_expect_eq(pc->pc_present, 1);
	cr_expect_eq(pc->pc_online, 1);
	for (int s = 0; s < CPUSTATES; s++)
		total += pc->pc_cp_time[s];
	cr_expect_gt(total, 0);
	free(pc);
}

Test(kernel, getpcpu_gives_every_online_cpu_its_sysfs_topology)
{
	for (int cpu = 0; cpu < kvm_getmaxcpu(kd); cpu++) {
		struct pcpu *pc = kvm_getpcpu(kd, cpu);

		cr_assert_neq(pc, (void *)-1, "%s", kvm_geterr(kd));
		if (pc == NULL)
			continue; /* not online */
		cr_expect_eq(pc->pc_core_id, test_sysfs_cpu_int(cpu, "topology/core_id"));
		cr_expect_eq(pc->pc_package_id,
			     test_sysfs_cpu_int(cpu, "topology/physical_package_id"));
		free(pc);
	}
}

Test(kernel, getpcpu_out_of_range_fails)
{
	cr_expect_eq(kvm_getpcpu(kd, kvm_getmaxcpu(kd)), (void *)-1);
	cr_expect_eq(errno, EINVAL);
}

Test(kernel, getcptime_is_at_least_one_cpus_time)
{
	long all[CPUSTATES];
	struct pcpu *pc = kvm_getpcpu(kd, 0);

	cr_assert(pc != NULL && pc != (void *)-1);
	cr_assert_eq(kvm_getcptime(kd, all), 0);
	for (int s = 0; s < CPUSTATES; s++)
		cr_expect_geq((uint64_t)all[s], pc->pc_cp_time[s], "state %d", s);
	free(pc);
}

Test(kernel, domain_only_calls_fail_enotsup_with_message)
{
	struct nlist nl[] = {{.n_name = "x"}, {.n_name = NULL}};
	char buf[8];

	cr_expect_eq(kvm_nlist(kd, nl), -1);
	cr_expect_eq(errno, ENOTSUP);
	cr_expect_not_null(strstr(kvm_geterr(kd), "kvm_nlist"));
	cr_expect_eq(kvm_read(kd, 0x1000, buf, 8), -1);
	cr_expect_eq(errno, ENOTSUP);
	cr_expect_eq(kvm_read_zpcpu(kd, 0x1000, buf, 8, 0), -1);
	cr_expect_eq(kvm_dpcpu_setcpu(kd, 0), -1);
	errno = 0;
	cr_expect_eq(kvm_counter_u64_fetch(kd, 0x1000), 0);
	cr_expect_eq(errno, ENOTSUP);
	cr_expect_eq(kvm_snapshot(kd, "/nonexistent/x"), -1);
	cr_expect_eq(errno, ENOTSUP);
}
