/* src/sys: process start times and PID namespaces, sysfs topology, the careful open. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/testutil.h"
#include "sys/open.h"
#include "sys/proc.h"
#include "sys/topology.h"

/* A child whose name has spaces and parentheses reports its own start time; the parent
 * reads the same from outside. */
Test(sys, start_time_of_a_process_is_what_it_reads_itself)
{
	int p[2];
	pid_t pid;
	uint64_t inside = 0, outside;

	cr_assert_eq(pipe(p), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		uint64_t self;

		prctl(PR_SET_NAME, "a) b (c) 1 2");
		self = pcpu_proc_start_time(getpid());
		_exit(write(p[1], &self, sizeof(self)) == sizeof(self) ? 0 : 1);
	}
	cr_assert_eq(read(p[0], &inside, sizeof(inside)), (ssize_t)sizeof(inside));
	outside = pcpu_proc_start_time(pid);
	cr_assert_eq(test_wait_exit(pid), 0);
	cr_expect_gt(inside, 0);
	cr_expect_eq(outside, inside);
	cr_expect_geq(inside, pcpu_proc_start_time(getpid()), "a child starts after us");
	cr_expect_eq(pcpu_proc_start_time(pid), 0, "a reaped process has no start time");
	close(p[0]);
	close(p[1]);
}

Test(sys, stat_fields_are_counted_after_the_last_parenthesis)
{
	const char *stat = "12 (a) b (c) 1) S 1 12 12 0 -1";

	cr_expect(strcmp(pcpu_proc_stat_field(stat, 3), "S 1 12 12 0 -1") == 0);
	cr_expect(strcmp(pcpu_proc_stat_field(stat, 8), "-1") == 0);
	cr_expect_null(pcpu_proc_stat_field(stat, 9), "past the last field");
	cr_expect_null(pcpu_proc_stat_field(stat, 2), "the name is not a field it gives");
	cr_expect_null(pcpu_proc_stat_field("no name", 3));
}

Test(sys, pidns_is_the_inode_of_our_namespace)
{
	struct stat st;

	cr_assert_eq(stat("/proc/self/ns/pid", &st), 0);
	cr_expect_eq(pcpu_self_pidns(), (uint64_t)st.st_ino);
}

Test(sys, topology_matches_sysfs)
{
	FILE *f = fopen("/sys/devices/system/cpu/cpu0/topology/core_id", "r");
	struct pcpu pc;
	int core = -1;

	if (f) {
		cr_assert_eq(fscanf(f, "%d", &core), 1);
		fclose(f);
	}
	pcpu_topology_read(0, &pc);
	cr_expect_eq(pc.pc_core_id, core);
	pcpu_topology_read(1u << 20, &pc);
	cr_expect_eq(pc.pc_core_id, -1, "a CPU sysfs does not show");
	cr_expect_eq(pc.pc_numa_node, -1);
}

Test(sys, open_regular_takes_a_regular_file_only, .timeout = 10)
{
	const char *dir = test_tmpdir();
	char *file = test_path(dir, "file"), *link = test_path(dir, "link"),
	     *fifo = test_path(dir, "fifo"), *sub = test_path(dir, "dir");
	struct stat st;
	int fd;

	fd = open(file, O_WRONLY | O_CREAT | O_EXCL, 0600);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "12345", 5), 5);
	close(fd);
	cr_assert_eq(symlink(file, link), 0);
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	cr_assert_eq(mkdir(sub, 0700), 0);

	fd = pcpu_open_regular(AT_FDCWD, file, O_RDWR, &st);
	cr_assert_geq(fd, 0);
	cr_expect_eq(st.st_size, 5);
	cr_expect(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
	errno = 0;
	cr_expect_eq(pcpu_open_regular(AT_FDCWD, link, O_RDONLY, &st), -1);
	cr_expect_eq(errno, ELOOP);
	for (int flags = O_RDONLY; flags <= O_RDWR; flags += O_RDWR - O_RDONLY) {
		errno = 0;
		cr_expect_eq(pcpu_open_regular(AT_FDCWD, fifo, flags, &st), -1);
		cr_expect_eq(errno, EEXIST, "a FIFO, flags %d", flags);
		errno = 0;
		cr_expect_eq(pcpu_open_regular(AT_FDCWD, sub, flags, &st), -1);
		cr_expect_eq(errno, EEXIST, "a directory, flags %d", flags);
	}
	errno = 0;
	cr_expect_eq(pcpu_open_regular(AT_FDCWD, "/nonexistent/x", O_RDONLY, &st), -1);
	cr_expect_eq(errno, ENOENT);
	unlink(file);
	unlink(link);
	unlink(fifo);
	rmdir(sub);
	rmdir(dir);
	free(file);
	free(link);
	free(fifo);
	free(sub);
}
