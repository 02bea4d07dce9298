/* pcpu cpuset: list and mask conversion, the sysfs sets, a process's affinity. */
#include <criterion/criterion.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/testutil.h"
#include "tools/toolrun.h"

Test(tools_cpuset, a_list_is_printed_as_list_mask_and_count)
{
	struct run r;

	run_pcpu(&r, "cpuset", "-l", "8,0-3,4000", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(field_of(r.out, "input", 1), "0-3,8,4000");
	cr_assert_eq(strncmp(field_of(r.out, "input", 2), "1,00000000,", 11), 0, "%s", r.out);
	cr_assert_eq(strcmp(field_of(r.out, "input", 2) + strlen(field_of(r.out, "input", 2)) - 9,
			    ",0000010f"),
		     0, "%s", r.out);
	cr_assert_str_eq(field_of(r.out, "input", 3), "6");
	run_free(&r);
}

Test(tools_cpuset, a_mask_is_printed_as_a_list_in_json)
{
	struct run r;

	run_pcpu(&r, "cpuset", "--json", "-m", "ff,00000000", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "{\"input\":{\"list\":\"32-39\",\"mask\":\"ff,00000000\","
				"\"count\":8}}\n");
	run_free(&r);
}

Test(tools_cpuset, a_bad_list_names_the_position_and_reason)
{
	struct run r;

	run_pcpu(&r, "cpuset", "-l", "0-3x", NULL);
	cr_assert_eq(r.status, 1);
	cr_assert_not_null(strstr(r.err, "bad CPU list \"0-3x\" at byte 3: "), "%s", r.err);
	run_free(&r);
	run_pcpu(&r, "cpuset", "-l", "1", "-m", "1", NULL);
	cr_assert_eq(r.status, 2, "one of -l, -m and -p");
	run_free(&r);
}

Test(tools_cpuset, the_system_sets_match_sysfs)
{
	struct run r;
	char online[256] = "";
	FILE *f = fopen("/sys/devices/system/cpu/online", "r");

	cr_assert_not_null(f);
	cr_assert_not_null(fgets(online, sizeof(online), f));
	fclose(f);
	online[strcspn(online, "\n")] = '\0';
	run_pcpu(&r, "cpuset", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(field_of(r.out, "online", 1), online);
	cr_assert_not_null(field_of(r.out, "possible", 1));
	cr_assert_not_null(field_of(r.out, "affinity", 1));
	run_free(&r);
}

Test(tools_cpuset, setting_a_pids_affinity_is_seen_by_the_kernel)
{
	pid_t child = fork();
	struct run r;
	cpu_set_t set;
	char pid[16];

	if (child == 0) {
		pause();
		_exit(0);
	}
	snprintf(pid, sizeof(pid), "%d", (int)child);
	run_pcpu(&r, "cpuset", "-p", pid, "0", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(field_of(r.out, "affinity", 1), "0");
	run_free(&r);
	CPU_ZERO(&set);
	cr_assert_eq(sched_getaffinity(child, sizeof(set), &set), 0);
	cr_assert_eq(CPU_COUNT(&set), 1);
	cr_assert(CPU_ISSET(0, &set));
	kill(child, SIGKILL);
	test_wait_exit(child);
	run_pcpu(&r, "cpuset", "-p", pid, NULL);
	cr_assert_eq(r.status, 1);
	cr_assert_not_null(strstr(r.err, "no such process"), "%s", r.err);
	run_free(&r);
}
