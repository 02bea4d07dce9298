/*
 * pcpu ls: named, per-process, dead and snapshot domains with the processes holding
 * them; --gc removes what no process holds, in this PID namespace or another.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/testutil.h"
#include "tools/toolrun.h"

/* Columns of an ls row: STATE is one word ("dead") or three ("alive  3 procs"). */
#define COL_NAME 0
#define COL_PID 1
#define COL_PROGRAM 2
#define COL_STATE 3

/* The ls row of path, split into words (static storage). */
static const char *column(const char *out, const char *path, int n)
{
	static char word[256];
	const char *line = strstr(out, path);

	cr_assert_not_null(line, "%s not listed:\n%s", path, out);
	while (line > out && line[-1] != '\n')
		line--;
	for (int i = 0; i <= n; i++) {
		size_t k;

		while (*line == ' ')
			line++;
		k = strcspn(line, " \n");
		if (i == n) {
			snprintf(word, sizeof(word), "%.*s", (int)k, line);
			return word;
		}
		line += k;
	}
	return NULL;
}

/* The states of the holders with pids a, b, c in ls --json, space-separated. */
static char *holder_states(const char *json, pid_t a, pid_t b, pid_t c)
{
	char prog[512];
	struct run py;
	char *out;

	snprintf(prog, sizeof(prog),
		 "import json,sys\n"
		 "m = {h[\"pid\"]: h[\"state\"] for h in json.load(sys.stdin)[0][\"holders\"]}\n"
		 "print(m.get(%d), m.get(%d), m.get(%d))",
		 (int)a, (int)b, (int)c);
	run_python_json(&py, json, prog);
	cr_assert_eq(py.status, 0, "%s", py.err);
	out = strdup(py.out);
	run_free(&py);
	return out;
}

Test(tools_ls, a_named_domain_is_listed_alive_with_every_process_holding_it)
{
	const char *shm = shm_private();
	struct writer_opts o = {.domain = "web"};
	struct writer w;
	struct run r;
	pid_t crashed, exited;
	char pid[16], *states;

	writer_start_opts(&w, &o, 1, 10);
	crashed = writer_fork(&w);
	exited = writer_fork(&w);
	snprintf(pid, sizeof(pid), "%d", (int)w.pid);
	run_pcpu(&r, "ls", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(column(r.out, w.domain, COL_NAME), "web");
	cr_assert_str_eq(column(r.out, w.domain, COL_PID), pid);
	cr_assert_str_eq(column(r.out, w.domain, COL_PROGRAM), "pcpu_test_writer");
	cr_assert_not_null(strstr(r.out, "alive  3 procs"), "%s", r.out);
	cr_assert_str_eq(column(r.out, w.domain, 7), "2", "counters: requests and weird");
	cr_assert_str_eq(column(r.out, w.domain, 8), "4", "symbols");
	cr_assert_not_null(strstr(r.out, "pcpu_test_writer 1 10\n"), "the title:\n%s", r.out);
	run_free(&r);

	kill(crashed, SIGKILL);
	kill(exited, SIGTERM);
	wait_gone(crashed);
	wait_gone(exited);
	run_pcpu(&r, "ls", "--json", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	states = holder_states(r.out, w.pid, crashed, exited);
	cr_assert_str_eq(states, "alive died exited\n", "%s", r.out);
	free(states);
	run_free(&r);
	run_pcpu(&r, "ls", "--gc", NULL);
	cr_assert_not_null(strstr(r.out, "alive  1 proc "), "%s", r.out);
	cr_assert_eq(access(w.domain, F_OK), 0, "--gc leaves a live domain");
	run_free(&r);
	cr_assert_eq(writer_stop(&w), 0);
	shm_remove(shm);
}

Test(tools_ls, a_daemons_domain_is_shown_alive_by_its_child_once_the_parent_exited)
{
	const char *shm = shm_private();
	struct writer_opts o = {.domain = "daemon"};
	struct writer w;
	struct run r;
	char pid[16];
	pid_t child;

	writer_start_opts(&w, &o, 1, 10);
	child = writer_fork(&w);
	close(w.in); /* the parent exits normally, as a daemon's does */
	cr_assert_eq(test_wait_exit(w.pid), 0);
	fclose(w.out);
	snprintf(pid, sizeof(pid), "%d", (int)child);
	run_pcpu(&r, "ls", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(column(r.out, w.domain, COL_PID), pid, "%s", r.out);
	cr_assert_not_null(strstr(r.out, "alive  1 proc "), "%s", r.out);
	run_free(&r);
	kill(child, SIGTERM);
	wait_gone(child);
	cr_assert_eq(access(w.domain, F_OK), -1, "the last holder's exit removed it");
	writer_cleanup(&w);
	shm_remove(shm);
}

Test(tools_ls, a_killed_writer_is_dead_and_gc_removes_it_but_not_a_snapshot)
{
	struct writer w;
	struct run r;
	char *snap;

	writer_start(&w, test_tmpdir(), 1, 10, "PCPU_KEEP=1");
	snap = test_path(w.dir, "pcpu.snapshot");
	run_pcpu(&r, "snapshot", w.domain, snap, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	run_free(&r);
	writer_kill(&w);
	run_pcpu(&r, "ls", "--json", w.dir, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	struct run py;

	run_python_json(&py, r.out,
			"import json,sys\n"
			"print(\" \".join(d[\"state\"] for d in json.load(sys.stdin)))");
	cr_assert_str_eq(py.out, "snapshot dead\n", "%s", r.out);
	run_free(&py);
	run_free(&r);
	run_pcpu(&r, "ls", "--gc", w.dir, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(column(r.out, w.domain, COL_STATE), "removed");
	cr_assert_str_eq(column(r.out, snap, COL_STATE), "snapshot");
	cr_assert_eq(access(w.domain, F_OK), -1, "the dead writer's file is gone");
	cr_assert_eq(access(snap, F_OK), 0, "the snapshot stays");
	run_free(&r);
	unlink(snap);
	free(snap);
	writer_cleanup(&w);
}

static void write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);

	cr_assert_geq(fd, 0, "%s", path);
	cr_assert_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
}

Test(tools_ls, gc_removes_a_leftover_whose_magic_was_never_written_and_keeps_other_files)
{
	const char *shm = shm_private();
	static const char zeros[8192];
	char notes[8192];
	char *dir, *left, *other;
	struct run r;

	cr_assert_geq(asprintf(&dir, "%s/pcpu-%u", shm, (unsigned int)geteuid()), 0);
	cr_assert_eq(mkdir(dir, 0700), 0);
	memset(notes, 'x', sizeof(notes)); /* a header's size, and no magic: not a domain */
	left = test_path(dir, "left");
	other = test_path(dir, "notes");
	write_file(left, zeros, sizeof(zeros));
	write_file(other, notes, sizeof(notes));
	run_pcpu(&r, "ls", NULL);
	cr_assert_str_eq(column(r.out, left, COL_STATE), "unreadable");
	run_free(&r);
	run_pcpu(&r, "ls", "--gc", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(column(r.out, left, COL_STATE), "removed");
	cr_assert_str_eq(column(r.out, other, COL_STATE), "unreadable");
	cr_assert_eq(access(left, F_OK), -1, "the leftover is gone");
	cr_assert_eq(access(other, F_OK), 0, "a file that is no domain stays");
	run_free(&r);
	free(left);
	free(other);
	free(dir);
	shm_remove(shm);
}

/* The pid of the only child of pid (the writer that unshare -f runs), or -1. */
static pid_t only_child(pid_t pid)
{
	char file[96];
	int child = -1;
	FILE *f;

	snprintf(file, sizeof(file), "/proc/%d/task/%d/children", (int)pid, (int)pid);
	f = fopen(file, "r");
	if (f) {
		if (fscanf(f, "%d", &child) != 1)
			child = -1;
		fclose(f);
	}
	return (pid_t)child;
}

static void need_pid_namespaces(void)
{
	struct run r;

	if (geteuid() != 0)
		cr_skip_test("unshare -p needs root: the PID namespace test is skipped");
	run_sh(&r, "unshare -p -f --mount-proc true");
	if (r.status != 0)
		cr_skip_test("unshare -p -f --mount-proc fails here (%s): skipped", r.err);
	run_free(&r);
}

Test(tools_ls, gc_never_removes_a_domain_held_in_another_pid_namespace)
{
	const char *shm;
	char *const unshare[] = {"unshare", "-p", "-f", "--mount-proc", NULL};
	struct writer_opts o = {.wrapper = unshare};
	struct writer w;
	struct run r;
	pid_t writer;

	need_pid_namespaces();
	shm = shm_private();
	writer_start_opts(&w, &o, 1, 10);
	cr_assert_not_null(w.domain);
	cr_assert_not_null(strstr(w.domain, "/pid.1."), "pid 1 in its namespace: %s", w.domain);
	run_pcpu(&r, "ls", "--gc", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(column(r.out, w.domain, COL_STATE), "alive", "%s", r.out);
	cr_assert_str_eq(column(r.out, w.domain, COL_PID), "1");
	cr_assert_eq(access(w.domain, F_OK), 0, "a domain held in another namespace stays");
	run_free(&r);

	writer = only_child(w.pid);
	cr_assert_gt(writer, 0);
	kill(writer, SIGKILL);
	test_wait_exit(w.pid); /* unshare ends once it has reaped the writer */
	close(w.in);
	fclose(w.out);
	run_pcpu(&r, "ls", "--gc", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(column(r.out, w.domain, COL_STATE), "removed", "%s", r.out);
	cr_assert_eq(access(w.domain, F_OK), -1);
	run_free(&r);
	writer_cleanup(&w);
	shm_remove(shm);
}
