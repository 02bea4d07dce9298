/* Every documented error of pcpu(1): one line on stderr naming the thing and the reason,
 * exit status 1 (2 for usage errors), never a crash. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/testutil.h"
#include "tools/toolrun.h"

/* One line on stderr that contains each of the given parts. */
static void assert_error(const struct run *r, int status, const char *part1, const char *part2)
{
	cr_assert_eq(r->status, status, "status %d, stderr: %s", r->status, r->err);
	cr_assert_eq(strchr(r->err, '\n'), r->err + strlen(r->err) - 1, "one line: %s", r->err);
	cr_assert_not_null(strstr(r->err, part1), "'%s' not in: %s", part1, r->err);
	if (part2)
		cr_assert_not_null(strstr(r->err, part2), "'%s' not in: %s", part2, r->err);
	cr_assert_str_eq(r->out, "");
}

/* A pid that no process has: one of a child that was reaped. */
static pid_t dead_pid(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	test_wait_exit(pid);
	return pid;
}

Test(tools_errors, an_unknown_pid_is_named_as_no_such_process)
{
	struct run r;
	char pid[16];

	snprintf(pid, sizeof(pid), "%d", (int)dead_pid());
	run_pcpu(&r, "stat", pid, NULL);
	assert_error(&r, 1, pid, "no such process");
	run_free(&r);
}

Test(tools_errors, a_pid_without_a_domain_says_so)
{
	pid_t child = fork();
	struct run r;
	char pid[16], up[64];

	if (child == 0) {
		execl("/bin/sleep", "sleep", "30", (char *)NULL);
		_exit(127);
	}
	snprintf(pid, sizeof(pid), "%d", (int)child);
	run_pcpu(&r, "export", pid, NULL);
	cr_assert_eq(r.status, 1, "stderr: %s", r.err);
	cr_assert_not_null(strstr(r.err, "no pcpu domain"), "%s", r.err);
	snprintf(up, sizeof(up), "pcpu_domain_up{domain=\"%s\"} 0\n", pid);
	cr_assert_not_null(strstr(r.out, up), "a target not read is up 0 as named: %s", r.out);
	run_free(&r);
	run_pcpu(&r, "stat", pid, NULL);
	assert_error(&r, 1, pid, "no pcpu domain");
	run_free(&r);
	kill(child, SIGKILL);
	test_wait_exit(child);
}

/* Root reads every file: the denied reader is then another user (nobody). */
Test(tools_errors, a_file_that_cannot_be_read_gives_permission_denied)
{
	struct writer w;
	struct run r;
	uid_t as = 0;

	writer_start(&w, test_tmpdir(), 1, 10, NULL);
	if (geteuid() == 0) {
		as = 65534;
		chmod(w.dir, 0755);
	} else {
		chmod(w.domain, 0);
	}
	char *argv[] = {(char *)pcpu_binary(), "stat", w.domain, NULL};

	run_argv(&r, argv, 30, as);
	assert_error(&r, 1, w.domain, "ermission denied");
	run_free(&r);
	cr_assert_eq(writer_stop(&w), 0);
}

Test(tools_errors, a_corrupt_domain_is_refused_with_the_reason)
{
	struct writer w;
	struct run r;
	char *copy = test_path(test_tmpdir(), "corrupt");
	int fd;

	writer_start(&w, test_tmpdir(), 1, 10, NULL);
	run_pcpu(&r, "snapshot", w.domain, copy, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	run_free(&r);
	fd = open(copy, O_WRONLY);
	cr_assert_eq(pwrite(fd, "XXXXXXXX", 8, 128), 8); /* the magic */
	close(fd);
	run_pcpu(&r, "stat", copy, NULL);
	assert_error(&r, 1, copy, "magic");
	run_free(&r);
	fd = open(copy, O_WRONLY | O_TRUNC);
	cr_assert_eq(write(fd, "short", 5), 5);
	close(fd);
	run_pcpu(&r, "ls", copy, NULL);
	cr_assert_eq(r.status, 1, "a FILE given that is no domain fails, with its row");
	cr_assert_not_null(strstr(r.out, "unreadable"), "%s", r.out);
	cr_assert_not_null(strstr(r.err, copy), "%s", r.err);
	run_free(&r);
	remove_with_dir(copy);
	free(copy);
	cr_assert_eq(writer_stop(&w), 0);
}

Test(tools_errors, an_unknown_name_is_named)
{
	struct writer w;
	struct run r;

	writer_start(&w, test_tmpdir(), 1, 10, NULL);
	run_pcpu(&r, "stat", w.domain, "no_such_counter", NULL);
	assert_error(&r, 1, "no_such_counter", "unknown name");
	run_free(&r);
	/* a GLOB of digits is written with a backslash: a name, not an INTERVAL */
	run_pcpu(&r, "stat", w.domain, "\\1", NULL);
	assert_error(&r, 1, "unknown name", "matches \"\\1\"");
	run_free(&r);
	run_pcpu(&r, "read", w.domain, "no_such_counter", NULL);
	assert_error(&r, 1, "no_such_counter", "unknown name");
	run_free(&r);
	run_pcpu(&r, "nlist", w.domain, "test_requests", "no_such_counter", NULL);
	cr_assert_eq(r.status, 1);
	cr_assert_not_null(strstr(r.out, "test_requests"), "found names are still printed");
	cr_assert_not_null(strstr(r.err, "unknown name \"no_such_counter\""), "%s", r.err);
	run_free(&r);
	cr_assert_eq(writer_stop(&w), 0);
}

/* Bad INTERVAL, COUNT and mode arguments of stat: the error names them. */
static const struct {
	char *args[6];
	const char *part1, *part2;
} bad_args[] = {
	{{"stat", "/nonexistent", "1", "0"}, "bad count", "\"0\""},
	{{"stat", "/nonexistent", "1", "2", "3"}, "\"3\"", "a third number"},
	{{"stat", "-w", "1", "/nonexistent", "2"}, "\"2\"", "and -w too"},
	{{"stat", "-c", "1", "/nonexistent", "2", "3"}, "\"3\"", "and -c too"},
	{{"stat", "-l", "--json", "/nonexistent"}, "-l", "--json"},
	{{"stat", "/nonexistent", "-w", "1"}, "\"-w\"", "options go before TARGET"},
	{{"stat", "-H", "0", "/nonexistent"}, "bad header interval", "\"0\""},
	{{"stat", "-c", "0", "/nonexistent"}, "bad count", "\"0\""},
	{{"top", "-w", "x", "/nonexistent"}, "bad interval", "\"x\""},
};

Test(tools_errors, a_bad_interval_or_count_is_named)
{
	const char *bad[] = {"0", "-1", "abc", "1e9", "nan", "", "1e-9", "inf", "-inf", "0.009"};
	const char *positional[] = {"0", "-1", "1e-9", "0.009", "1e9"};
	struct run r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		run_pcpu(&r, "stat", "-w", bad[i], "/nonexistent", NULL);
		assert_error(&r, 1, "bad interval", bad[i]);
		run_free(&r);
	}
	/* vmstat's INTERVAL is judged as -w's, before the target is opened */
	for (size_t i = 0; i < sizeof(positional) / sizeof(positional[0]); i++) {
		run_pcpu(&r, "stat", "/nonexistent", positional[i], NULL);
		assert_error(&r, 1, "bad interval", positional[i]);
		run_free(&r);
	}
	for (size_t i = 0; i < sizeof(bad_args) / sizeof(bad_args[0]); i++) {
		char *argv[8] = {(char *)pcpu_binary()};

		memcpy(argv + 1, bad_args[i].args, sizeof(bad_args[i].args));
		run_argv(&r, argv, 60, 0);
		assert_error(&r, 1, bad_args[i].part1, bad_args[i].part2);
		run_free(&r);
	}
}

Test(tools_errors, a_port_in_use_or_out_of_range_is_named)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct writer w;
	struct run r;
	char listen_on[64];

	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(listen(fd, 1), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	snprintf(listen_on, sizeof(listen_on), "127.0.0.1:%d", ntohs(a.sin_port));
	writer_start(&w, test_tmpdir(), 1, 10, NULL);
	run_pcpu(&r, "serve", "--listen", listen_on, w.domain, NULL);
	assert_error(&r, 1, listen_on, "Address already in use");
	run_free(&r);
	run_pcpu(&r, "serve", "--listen", "nonsense", w.domain, NULL);
	assert_error(&r, 1, "nonsense", "ADDR:PORT");
	run_free(&r);
	run_pcpu(&r, "serve", "--listen", "127.0.0.1:99999", w.domain, NULL);
	assert_error(&r, 1, "127.0.0.1:99999", "port must be 0 to 65535");
	run_free(&r);
	close(fd);
	cr_assert_eq(writer_stop(&w), 0);
}

Test(tools_errors, a_missing_file_is_named)
{
	struct run r;

	run_pcpu(&r, "cpus", "/nonexistent/domain", NULL);
	assert_error(&r, 1, "/nonexistent/domain", "No such file");
	run_free(&r);
	run_pcpu(&r, "ls", "/nonexistent/domain", NULL); /* no row, as ls(1) */
	assert_error(&r, 1, "/nonexistent/domain", "No such file");
	run_free(&r);
}

Test(tools_errors, usage_errors_exit_2)
{
	struct run r;

	char *bare[] = {(char *)pcpu_binary(), NULL};

	run_argv(&r, bare, 30, 0);
	cr_assert_eq(r.status, 2);
	run_free(&r);
	run_pcpu(&r, "frobnicate", NULL);
	cr_assert_eq(r.status, 2);
	cr_assert_not_null(strstr(r.err, "unknown command \"frobnicate\""), "%s", r.err);
	run_free(&r);
	run_pcpu(&r, "stat", "--no-such-option", "x", NULL);
	cr_assert_eq(r.status, 2);
	cr_assert_not_null(strstr(r.err, "usage: pcpu stat"), "%s", r.err);
	run_free(&r);
	run_pcpu(&r, "read", NULL);
	cr_assert_eq(r.status, 2);
	run_free(&r);
	run_pcpu(&r, "serve", "x", NULL);
	cr_assert_eq(r.status, 2);
	run_free(&r);
}

Test(tools_errors, every_command_has_help)
{
	const char *cmds[] = {"ls",   "stat",	  "top",   "cpus",   "cpuset", "nlist",
			      "read", "snapshot", "kpmap", "sysctl", "export", "serve"};
	struct run r;

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		char expect[64];

		run_pcpu(&r, cmds[i], "--help", NULL);
		snprintf(expect, sizeof(expect), "usage: pcpu %s", cmds[i]);
		cr_assert_eq(r.status, 0, "%s: %s", cmds[i], r.err);
		cr_assert_eq(strncmp(r.out, expect, strlen(expect)), 0, "%s", r.out);
		run_free(&r);
	}
}
