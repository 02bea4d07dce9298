/* Running pcpu and the test writer from the tests. */
#include "toolrun.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/testutil.h"

const char *pcpu_binary(void)
{
	static char *path;

	if (!path)
		path = test_built_binary("tools/pcpu/pcpu");
	return path;
}

struct buf {
	char *p;
	size_t n;
};

static void append(struct buf *b, int fd, int *open)
{
	char chunk[4096];
	ssize_t n = read(fd, chunk, sizeof(chunk));

	if (n <= 0) {
		*open = 0;
		return;
	}
	b->p = realloc(b->p, b->n + (size_t)n + 1);
	cr_assert_not_null(b->p);
	memcpy(b->p + b->n, chunk, (size_t)n);
	b->n += (size_t)n;
	b->p[b->n] = '\0';
}

static void child(char *const argv[], int out, int err, uid_t as_user, gid_t group)
{
	int null = open("/dev/null", O_RDONLY);

	dup2(null, 0);
	dup2(out, 1);
	dup2(err, 2);
	if (as_user &&
	    (setgroups(group ? 1 : 0, &group) != 0 || setgid(as_user) != 0 || setuid(as_user) != 0))
		_exit(126);
	execv(argv[0], argv);
	_exit(127);
}

void run_argv(struct run *r, char *const argv[], int timeout_s, uid_t as_user)
{
	run_argv_as(r, argv, timeout_s, as_user, 0);
}

void run_argv_as(struct run *r, char *const argv[], int timeout_s, uid_t as_user, gid_t group)
{
	int out[2], err[2], oopen = 1, eopen = 1;
	struct buf bo = {0}, be = {0};
	time_t deadline = time(NULL) + timeout_s;
	pid_t pid;

	cr_assert_eq(pipe2(out, O_CLOEXEC), 0);
	cr_assert_eq(pipe2(err, O_CLOEXEC), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0)
		child(argv, out[1], err[1], as_user, group);
	close(out[1]);
	close(err[1]);
	while (oopen || eopen) {
		struct pollfd p[2] = {{out[0], oopen ? POLLIN : 0, 0},
				      {err[0], eopen ? POLLIN : 0, 0}};

		if (time(NULL) > deadline) {
			kill(pid, SIGKILL);
			break;
		}
		if (poll(p, 2, 200) <= 0)
			continue;
		if (p[0].revents)
			append(&bo, out[0], &oopen);
		if (p[1].revents)
			append(&be, err[0], &eopen);
	}
	close(out[0]);
	close(err[0]);
	r->status = test_wait_exit(pid);
	r->out = bo.p ? bo.p : strdup("");
	r->err = be.p ? be.p : strdup("");
}

static void pcpu_argv(char *argv[64], const char *arg, va_list ap)
{
	int n = 0;

	argv[n++] = (char *)pcpu_binary();
	for (const char *a = arg; a && n < 63; a = va_arg(ap, const char *))
		argv[n++] = (char *)a;
	argv[n] = NULL;
}

void run_pcpu(struct run *r, const char *arg, ...)
{
	char *argv[64];
	va_list ap;

	va_start(ap, arg);
	pcpu_argv(argv, arg, ap);
	va_end(ap);
	run_argv(r, argv, 60, 0);
}

void run_pcpu_as(struct run *r, uid_t uid, gid_t group, const char *arg, ...)
{
	char *argv[64];
	va_list ap;

	va_start(ap, arg);
	pcpu_argv(argv, arg, ap);
	va_end(ap);
	run_argv_as(r, argv, 60, uid, group);
}

void run_sh(struct run *r, const char *cmd)
{
	char *argv[] = {"/bin/sh", "-c", (char *)cmd, NULL};

	run_argv(r, argv, 120, 0);
}

void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

static void read_totals(struct writer *w, FILE *f)
{
	char line[4352], path[4096];

	cr_assert_not_null(fgets(line, sizeof(line), f), "the writer exited early");
	cr_assert_eq(sscanf(line,
			    "ready requests=%" SCNu64 " hits=%" SCNu64 " balance=%" SCNd64
			    " weird=%" SCNu64 " ncpus=%u domain=%4095s",
			    &w->requests, &w->hits, &w->balance, &w->weird, &w->ncpus, path),
		     6, "writer said: %s", line);
	if (!w->domain && strcmp(path, "-") != 0)
		w->domain = strdup(path);
}

static void exec_writer(const struct writer_opts *o, char *const tail[])
{
	char *argv[32];
	int n = 0;

	if (o->dir) {
		char *d = test_path(o->dir, "pcpu.writer");

		setenv("PCPU_DOMAIN", d, 1);
	} else if (o->domain) {
		setenv("PCPU_DOMAIN", o->domain, 1);
	}
	if (o->extra_env)
		putenv((char *)o->extra_env);
	if (o->extra_env2)
		putenv((char *)o->extra_env2);
	for (int i = 0; o->wrapper && o->wrapper[i] && n < 28; i++)
		argv[n++] = o->wrapper[i];
	for (int i = 0; tail[i]; i++)
		argv[n++] = tail[i];
	argv[n] = NULL;
	execvp(argv[0], argv);
	_exit(127);
}

void writer_start_opts(struct writer *w, const struct writer_opts *o, int threads, uint64_t iters)
{
	char *bin = test_built_binary("tests/tools/pcpu_test_writer");
	char nthreads[16], niters[32];
	char *tail[] = {bin, nthreads, niters, NULL};
	int in[2], out[2];

	memset(w, 0, sizeof(*w));
	snprintf(nthreads, sizeof(nthreads), "%d", threads);
	snprintf(niters, sizeof(niters), "%" PRIu64, iters);
	cr_assert_eq(pipe2(in, O_CLOEXEC), 0);
	cr_assert_eq(pipe2(out, O_CLOEXEC), 0);
	w->dir = o->dir ? strdup(o->dir) : NULL;
	w->pid = fork();
	cr_assert_geq(w->pid, 0);
	if (w->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		exec_writer(o, tail);
	}
	close(in[0]);
	close(out[1]);
	w->in = in[1];
	w->out = fdopen(out[0], "r");
	read_totals(w, w->out);
	free(bin);
}

void writer_start(struct writer *w, const char *dir, int threads, uint64_t iters,
		  const char *extra_env)
{
	struct writer_opts o = {.dir = dir, .extra_env = extra_env};

	writer_start_opts(w, &o, threads, iters);
}

pid_t writer_fork(struct writer *w)
{
	char line[64];
	int pid = -1;

	cr_assert_eq(write(w->in, "fork\n", 5), 5);
	cr_assert_not_null(fgets(line, sizeof(line), w->out), "the writer exited");
	cr_assert_eq(sscanf(line, "forked %d", &pid), 1, "writer said: %s", line);
	return (pid_t)pid;
}

/* Sends a command line and waits for the writer's answer. */
static void writer_says(struct writer *w, const char *cmd, const char *answer)
{
	char line[64];

	cr_assert_eq(write(w->in, cmd, strlen(cmd)), (ssize_t)strlen(cmd));
	cr_assert_not_null(fgets(line, sizeof(line), w->out), "the writer exited");
	cr_assert_str_eq(line, answer, "writer said: %s", line);
}

void writer_late(struct writer *w)
{
	writer_says(w, "late\n", "late\n");
}

void writer_type(struct writer *w, const char *name, const char *type)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "type %s %s\n", name, type);
	writer_says(w, cmd, "typed\n");
}

void python_json_expect(const char *json, const char *program, const char *expect)
{
	struct run py;

	run_python_json(&py, json, program);
	cr_assert_eq(py.status, 0, "python: %s\njson: %s", py.err, json);
	cr_assert_str_eq(py.out, expect, "json: %s", json);
	run_free(&py);
}

void wait_gone(pid_t pid)
{
	char file[64], state = 0, buf[512];
	FILE *f;

	/* The writer reaps its children; until it does, a zombie holds no locks. */
	snprintf(file, sizeof(file), "/proc/%d/stat", (int)pid);
	for (;;) {
		f = fopen(file, "r");
		if (!f)
			return;
		if (fgets(buf, sizeof(buf), f) && strrchr(buf, ')'))
			state = strrchr(buf, ')')[2];
		fclose(f);
		if (state == 'Z' || state == 'X')
			return;
		usleep(10000);
	}
}

void writer_again(struct writer *w)
{
	cr_assert_eq(write(w->in, "again\n", 6), 6);
	read_totals(w, w->out);
}

int writer_stop(struct writer *w)
{
	int status;

	close(w->in);
	status = test_wait_exit(w->pid);
	fclose(w->out);
	writer_cleanup(w);
	return status;
}

void writer_cleanup(struct writer *w)
{
	if (w->dir) {
		unlink(w->domain); /* left by PCPU_KEEP or a kill */
		rmdir(w->dir);
	}
	free(w->domain);
	free(w->dir);
	w->domain = w->dir = NULL;
}

const char *shm_private(void)
{
	const char *dir = test_tmpdir();

	setenv("PCPU_SHMDIR", dir, 1);
	return dir;
}

void shm_remove(const char *dir)
{
	struct run r;
	char *cmd;

	cr_assert_geq(asprintf(&cmd, "rm -rf '%s'", dir), 0);
	run_sh(&r, cmd);
	run_free(&r);
	free(cmd);
}

void remove_with_dir(const char *file)
{
	char *dir = strdup(file);

	unlink(file);
	if (dir && strrchr(dir, '/')) {
		*strrchr(dir, '/') = '\0';
		rmdir(dir);
	}
	free(dir);
}

void writer_kill(struct writer *w)
{
	kill(w->pid, SIGKILL);
	test_wait_exit(w->pid);
	close(w->in);
	fclose(w->out);
}

const char *field_of(const char *out, const char *name, int n)
{
	static char word[4096];
	size_t len = strlen(name);

	for (const char *line = out; line && *line;
	     line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		const char *p = line;

		if (strncmp(p, name, len) != 0 || (p[len] != ' ' && p[len] != '\t'))
			continue;
		for (int i = 0; i <= n; i++) {
			while (*p == ' ' || *p == '\t')
				p++;
			if (*p == '\0' || *p == '\n')
				return NULL;
			size_t k = strcspn(p, " \t\n");

			if (i == n) {
				snprintf(word, sizeof(word), "%.*s", (int)k, p);
				return word;
			}
			p += k;
		}
	}
	return NULL;
}

void run_sh_input(struct run *r, const char *cmd, const char *input)
{
	char dir[] = "/tmp/pcpu-input.XXXXXX";
	char *file, *line;
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	file = test_path(dir, "input");
	f = fopen(file, "w");
	cr_assert_not_null(f);
	fputs(input, f);
	fclose(f);
	cr_assert_geq(asprintf(&line, "%s < %s", cmd, file), 0);
	run_sh(r, line);
	unlink(file);
	rmdir(dir);
	free(line);
	free(file);
}

void run_python_json(struct run *r, const char *json, const char *program)
{
	char *cmd;

	cr_assert_geq(asprintf(&cmd, "python3 -c '%s'", program), 0);
	run_sh_input(r, cmd, json);
	free(cmd);
}
