/* Running pcpu and the test writer from the tests. */
#include "toolrun.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
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

static void child(char *const argv[], int out, int err, uid_t as_user)
{
	int null = open("/dev/null", O_RDONLY);

	dup2(null, 0);
	dup2(out, 1);
	dup2(err, 2);
	if (as_user && (setgid(as_user) != 0 || setuid(as_user) != 0))
		_exit(126);
	execv(argv[0], argv);
	_exit(127);
}

void run_argv(struct run *r, char *const argv[], int timeout_s, uid_t as_user)
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
		child(argv, out[1], err[1], as_user);
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

void run_pcpu(struct run *r, const char *arg, ...)
{
	char *argv[64];
	int n = 0;
	va_list ap;

	argv[n++] = (char *)pcpu_binary();
	va_start(ap, arg);
	for (const char *a = arg; a && n < 63; a = va_arg(ap, const char *))
		argv[n++] = (char *)a;
	va_end(ap);
	argv[n] = NULL;
	run_argv(r, argv, 60, 0);
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
	char line[256];

	cr_assert_not_null(fgets(line, sizeof(line), f), "the writer exited early");
	cr_assert_eq(sscanf(line,
			    "ready requests=%" SCNu64 " hits=%" SCNu64 " balance=%" SCNd64
			    " weird=%" SCNu64 " ncpus=%u",
			    &w->requests, &w->hits, &w->balance, &w->weird, &w->ncpus),
		     5, "writer said: %s", line);
}

void writer_start(struct writer *w, const char *dir, int threads, uint64_t iters,
		  const char *extra_env)
{
	char *bin = test_built_binary("tests/tools/pcpu_test_writer");
	char nthreads[16], niters[32];
	int in[2], out[2];

	memset(w, 0, sizeof(*w));
	snprintf(nthreads, sizeof(nthreads), "%d", threads);
	snprintf(niters, sizeof(niters), "%" PRIu64, iters);
	cr_assert_eq(pipe2(in, O_CLOEXEC), 0);
	cr_assert_eq(pipe2(out, O_CLOEXEC), 0);
	w->domain = dir ? test_path(dir, "pcpu.writer") : NULL;
	w->dir = dir ? strdup(dir) : NULL;
	w->pid = fork();
	cr_assert_geq(w->pid, 0);
	if (w->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		if (w->domain)
			setenv("PCPU_DOMAIN", w->domain, 1);
		if (extra_env)
			putenv((char *)extra_env);
		execl(bin, bin, nthreads, niters, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	w->in = in[1];
	if (!w->domain && asprintf(&w->domain, "/dev/shm/pcpu.%d", (int)w->pid) < 0)
		cr_assert_fail("out of memory");
	w->out = fdopen(out[0], "r");
	read_totals(w, w->out);
	free(bin);
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

void run_python_json(struct run *r, const char *json, const char *program)
{
	char dir[] = "/tmp/pcpu-json.XXXXXX";
	char *file, *cmd;
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	file = test_path(dir, "in.json");
	f = fopen(file, "w");
	cr_assert_not_null(f);
	fputs(json, f);
	fclose(f);
	cr_assert_geq(asprintf(&cmd, "python3 -c '%s' < %s", program, file), 0);
	run_sh(r, cmd);
	unlink(file);
	rmdir(dir);
	free(cmd);
	free(file);
}
