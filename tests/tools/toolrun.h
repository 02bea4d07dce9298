/*
 * Fixtures of the pcpu(1) tests: running the built pcpu binary with its output
 * captured, and a test writer process (tests/tools/writer.c) whose own totals the
 * outputs are checked against.
 */
#ifndef PCPU_TESTS_TOOLS_TOOLRUN_H
#define PCPU_TESTS_TOOLS_TOOLRUN_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

struct run {
	int status; /* exit status, 128+signal when killed */
	char *out;  /* stdout, NUL-terminated */
	char *err;  /* stderr */
};

/* Runs argv (argv[0] a path) to completion with stdin from /dev/null, killing it after
 * timeout_s seconds. When as_user is non-zero the child runs with that uid/gid. */
void run_argv(struct run *r, char *const argv[], int timeout_s, uid_t as_user);
/* The same as uid (gid uid), member of group too when group is non-zero. */
void run_argv_as(struct run *r, char *const argv[], int timeout_s, uid_t uid, gid_t group);

/* Runs the built pcpu with the NULL-terminated arguments after "pcpu". */
void run_pcpu(struct run *r, const char *arg, ...) __attribute__((sentinel));
/* The same as uid, member of group (run_argv_as). */
void run_pcpu_as(struct run *r, uid_t uid, gid_t group, const char *arg, ...)
	__attribute__((sentinel));
void run_free(struct run *r);

/* Runs a shell command line, capturing as run_argv does. */
void run_sh(struct run *r, const char *cmd);
/* The same with input as its standard input. */
void run_sh_input(struct run *r, const char *cmd, const char *input);

/* Path of the built pcpu binary (static storage). */
const char *pcpu_binary(void);

/* The name of the writer's counter that needs escaping (tests/tools/writer.c). */
#define WEIRD_NAME "test.weird \"quoted\" \\ name"

/* The test writer: its domain file and the totals it counted. */
struct writer {
	pid_t pid; /* the writer, or the wrapper that runs it (writer_opts.wrapper) */
	int in;	   /* its stdin: closing it makes the writer exit */
	FILE *out;
	char *domain;	   /* the path it reported, NULL when it runs on private memory */
	char *dir;	   /* the private directory of domain, or NULL */
	uint64_t requests; /* counter test_requests */
	uint64_t hits;	   /* DPCPU test_hits (unsigned) */
	int64_t balance;   /* DPCPU test_balance (signed) */
	uint64_t weird;	   /* the counter named WEIRD_NAME */
	unsigned int ncpus;
};

/*
 * Starts the writer with its domain at dir/pcpu.writer (or its default, per-process
 * domain when dir is NULL), threads threads each counting iters events, and waits until
 * it printed its totals. extra_env ("NAME=value" or NULL) is added to its environment.
 */
void writer_start(struct writer *w, const char *dir, int threads, uint64_t iters,
		  const char *extra_env);

/* Where and how writer_start_opts runs the writer; NULL fields are not used. */
struct writer_opts {
	const char *dir;       /* PCPU_DOMAIN=dir/pcpu.writer, removed with dir at the end */
	const char *domain;    /* else PCPU_DOMAIN=domain (a name, or a path) */
	const char *extra_env; /* "NAME=value" */
	const char *extra_env2;
	char *const *wrapper; /* a command run before the writer: {"unshare", ..., NULL} */
};
void writer_start_opts(struct writer *w, const struct writer_opts *o, int threads, uint64_t iters);
/* Makes it count again (one more round) and updates the totals. */
void writer_again(struct writer *w);
/* Makes it register the counter test_late (LATE_ADD counted) and waits until
 * it did. */
#define LATE_ADD 5
void writer_late(struct writer *w);
/* Makes it describe symbol name as a "counter" or a "gauge" (pcpu_metric_describe). */
void writer_type(struct writer *w, const char *name, const char *type);
/* Makes it fork a child that holds the domain too; returns the child's pid. SIGTERM
 * makes the child exit normally, SIGKILL kills it; the writer, not the test, is its
 * parent, so wait for it with wait_gone. */
pid_t writer_fork(struct writer *w);
/* Waits until process pid has exited (a zombie, or gone): its locks are released. */
void wait_gone(pid_t pid);
/* Closes its stdin and waits: it exits 0 and removes its domain (unless PCPU_KEEP). */
int writer_stop(struct writer *w);
/* Kills it with SIGKILL: its domain file stays (post mortem) until writer_cleanup. */
void writer_kill(struct writer *w);
void writer_cleanup(struct writer *w);

/* Sets $PCPU_SHMDIR to a new private directory, for this test's process and the programs
 * it starts (each test runs in a process of its own), and returns it. */
const char *shm_private(void);
/* Removes that directory and everything in it. */
void shm_remove(const char *dir);

/* Removes a file the test made and the private directory holding it. */
void remove_with_dir(const char *file);

/* Finds the line of out whose first word is name and returns its n-th word (0-based)
 * in a static buffer, or NULL. */
const char *field_of(const char *out, const char *name, int n);

/* Runs python3 with a program that reads JSON from stdin. */
void run_python_json(struct run *r, const char *json, const char *program);
/* The same, asserting that it exits 0 and prints expect. */
void python_json_expect(const char *json, const char *program, const char *expect);

#endif
