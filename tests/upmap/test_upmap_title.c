/* proc_title: what /proc/PID/cmdline (and so ps) shows. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <pcpu/upmap.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/testutil.h"

/* Reads /proc/PID/cmdline of pid (as ps does) into buf; returns its length. */
static size_t read_cmdline(pid_t pid, char *buf, size_t size)
{
	char path[64];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	fd = open(path, O_RDONLY);
	cr_assert_geq(fd, 0);
	n = read(fd, buf, size);
	close(fd);
	cr_assert_geq(n, 0);
	return (size_t)n;
}

static int only_nuls(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != '\0')
			return 0;
	return 1;
}

static void burn_cpu_ms(long ms)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	do
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
}

Test(proc_title, setproctitle_is_visible_in_cmdline_and_reverts)
{
	char orig[4096], now[4096];
	size_t olen = read_cmdline(getpid(), orig, sizeof(orig));
	struct sys_upmap *u = upmap_map();
	size_t n;

	cr_assert_not_null(u);
	cr_assert_gt(olen, 8u);
	cr_assert_eq(ukp_setproctitle("pcpu-%d", 42), 0);
	cr_assert_str_eq(u->proc_title, "pcpu-42");
	n = read_cmdline(getpid(), now, sizeof(now));
	cr_assert_eq(n, olen);
	cr_assert_eq(memcmp(now, "pcpu-42", 8), 0);
	cr_assert(only_nuls(now + 8, n - 8));
	cr_assert_eq(ukp_setproctitle(NULL), 0);
	cr_assert_eq(u->proc_title[0], '\0');
	n = read_cmdline(getpid(), now, sizeof(now));
	cr_assert_eq(n, olen);
	cr_assert_eq(memcmp(now, orig, olen), 0);
}

Test(proc_title, long_title_is_truncated_to_the_argument_area)
{
	char orig[4096], now[4096], title[UPMAP_MAXPROCTITLE];
	size_t olen = read_cmdline(getpid(), orig, sizeof(orig));

	cr_assert_lt(olen, sizeof(title));
	memset(title, 'x', sizeof(title) - 1);
	title[sizeof(title) - 1] = '\0';
	cr_assert_eq(ukp_setproctitle("%s", title), 0);
	cr_assert_eq(read_cmdline(getpid(), now, sizeof(now)), olen);
	cr_assert_eq(strnlen(now, olen), olen - 1);
	cr_assert_eq(now[olen - 1], '\0');
	cr_assert_eq(ukp_setproctitle(NULL), 0);
}

Test(proc_title, direct_store_is_applied_within_a_cpu_tick)
{
	char orig[4096], now[4096];
	size_t olen = read_cmdline(getpid(), orig, sizeof(orig));
	struct sys_upmap *u = upmap_map();
	char *field = ukp_find(u, UPTYPE_PROC_TITLE);

	cr_assert_not_null(field);
	strcpy(field, "direct-1");
	/* The upmap thread applies it after at most one tick (10 ms) of our CPU time. */
	burn_cpu_ms(30);
	read_cmdline(getpid(), now, sizeof(now));
	cr_assert_str_eq(now, "direct-1");
	field[0] = '\0';
	burn_cpu_ms(30);
	cr_assert_eq(read_cmdline(getpid(), now, sizeof(now)), olen);
	cr_assert_eq(memcmp(now, orig, olen), 0);
}

/* Forks a child that writes to ready[1] and reads done[0]; each side closes the ends it
 * does not use, so that if the other dies, its reads see EOF instead of hanging. */
static pid_t fork_with_pipes(int ready[2], int done[2])
{
	pid_t pid;

	cr_assert_eq(pipe(ready), 0);
	cr_assert_eq(pipe(done), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	close(pid == 0 ? ready[0] : ready[1]);
	close(pid == 0 ? done[1] : done[0]);
	return pid;
}

Test(proc_title, another_process_reads_the_title)
{
	char now[4096];
	int ready[2], done[2];
	pid_t pid = fork_with_pipes(ready, done);
	char c = 0;

	if (pid == 0) {
		_exit(ukp_setproctitle("child-title") != 0 || write(ready[1], "r", 1) != 1 ||
		      read(done[0], &c, 1) != 1);
	}
	cr_assert_eq(read(ready[0], &c, 1), 1);
	read_cmdline(pid, now, sizeof(now));
	cr_assert_str_eq(now, "child-title");
	cr_assert_eq(write(done[1], "d", 1), 1);
	cr_assert_eq(test_wait_exit(pid), 0);
}

/* Polls /proc/PID/cmdline until it reads want, for at most 2 s: long enough for a loaded
 * machine, where a CPU-time tick would never come for an idle process. */
static int cmdline_becomes(pid_t pid, const char *want)
{
	char now[4096];
	const struct timespec pause = {0, 1000000};

	for (int i = 0; i < 2000; i++) {
		read_cmdline(pid, now, sizeof(now));
		if (strcmp(now, want) == 0)
			return 1;
		nanosleep(&pause, NULL);
	}
	return 0;
}

/* The child stores into its field and sleeps: it never uses a tick of CPU time. */
Test(proc_title, direct_store_of_an_idle_process_shows_in_cmdline)
{
	int ready[2], done[2];
	pid_t pid = fork_with_pipes(ready, done);
	char c = 0;

	if (pid == 0) {
		char *field = ukp_find(upmap_map(), UPTYPE_PROC_TITLE);

		if (field == NULL || write(ready[1], "r", 1) != 1 || read(done[0], &c, 1) != 1)
			_exit(1);
		strcpy(field, "idle-store-1");
		if (write(ready[1], "s", 1) != 1 || read(done[0], &c, 1) != 1)
			_exit(1);
		strcpy(field, "idle-store-2");
		_exit(write(ready[1], "s", 1) != 1 || read(done[0], &c, 1) != 1);
	}
	cr_assert_eq(read(ready[0], &c, 1), 1);
	cr_assert_eq(write(done[1], "d", 1), 1);
	cr_assert_eq(read(ready[0], &c, 1), 1);
	cr_assert(cmdline_becomes(pid, "idle-store-1"), "the first store never showed");
	cr_assert_eq(write(done[1], "d", 1), 1);
	cr_assert_eq(read(ready[0], &c, 1), 1);
	cr_assert(cmdline_becomes(pid, "idle-store-2"), "the second store never showed");
	cr_assert_eq(write(done[1], "d", 1), 1);
	cr_assert_eq(test_wait_exit(pid), 0);
}

Test(proc_title, fork_child_inherits_the_shown_title_in_its_field)
{
	struct sys_upmap *u = upmap_map();
	pid_t pid;

	cr_assert_eq(ukp_setproctitle("inherited"), 0);
	pid = fork();
	if (pid == 0)
		_exit(strcmp(u->proc_title, "inherited") != 0);
	cr_assert_eq(test_wait_exit(pid), 0);
	cr_assert_eq(ukp_setproctitle(NULL), 0);
}
