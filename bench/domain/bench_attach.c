/*
 * What a named domain costs a process at start: attaching to a live one (map at the
 * creator's address, take a slot) and creating one, each as a whole process (spawn, run,
 * exit, wait), against the same process that never touches its domain. The difference is
 * the domain's share; the ratio says what it adds to a program's start.
 */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pcpu/pcpu.h>

#include "harness.h"

extern char **environ;

struct child {
	const char *self;
	const char *mode;
	const char *name;
};

static void run_children(void *arg, uint64_t n)
{
	const struct child *c = arg;
	char *argv[] = {(char *)c->self, (char *)c->mode, (char *)c->name, NULL};

	for (uint64_t i = 0; i < n; i++) {
		pid_t pid;
		int status;

		if (posix_spawn(&pid, c->self, NULL, NULL, argv, environ) != 0 ||
		    waitpid(pid, &status, 0) != pid || status != 0) {
			fprintf(stderr, "bench_attach: child %s failed\n", c->mode);
			exit(1);
		}
	}
}

static int child_main(const char *mode, const char *name)
{
	if (strcmp(mode, "--none") == 0)
		return 0;
	if (strcmp(mode, "--attach") == 0 || strcmp(mode, "--create") == 0)
		return pcpu_domain_attach(name, NULL) == 0 ? 0 : 1;
	return 2;
}

int main(int argc, char **argv)
{
	char self[4096], name[64];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (argc == 3)
		return child_main(argv[1], argv[2]);
	if (n <= 0)
		return 1;
	self[n] = '\0';
	snprintf(name, sizeof(name), "bench-attach-%d", (int)getpid());
	/* This process holds the named domain, so that every child attaches to a live one. */
	if (pcpu_domain_attach(name, NULL) != 0) {
		perror("bench_attach: pcpu_domain_attach");
		return 1;
	}
	bench_header("domain attach");
	struct child none = {self, "--none", name}, attach = {self, "--attach", name};
	double base = bench_ns_per_op(run_children, &none, 200) / 1e3;
	bench_report("process start + attach to a live named domain",
		     bench_ns_per_op(run_children, &attach, 200) / 1e3, "process start, no domain",
		     base, "us");
	snprintf(name, sizeof(name), "bench-create-%d", (int)getpid());
	struct child create = {self, "--create", name};
	bench_report("process start + create a named domain (removed at exit)",
		     bench_ns_per_op(run_children, &create, 200) / 1e3, "process start, no domain",
		     base, "us");
	return 0;
}
