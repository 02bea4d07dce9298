/*
 * The writer the pcpu(1) tests read: threads count events into a counter(9) and into
 * DPCPU variables, then it prints its own totals (as the library reads them) on one
 * line, "ready requests=N hits=N balance=N weird=N ncpus=N domain=PATH" (PATH "-" when
 * it runs on private memory). Each "again" line on stdin repeats the round; "fork"
 * forks a child that holds the domain too, printing "forked PID", until SIGTERM makes
 * it exit normally (SIGKILL kills it); end of input makes the writer exit 0 (removing
 * its domain when it is the last holder). With PCPU_TEST_METRICS set it also keeps
 * described metrics (writer_metrics.h).
 *
 * usage: pcpu_test_writer THREADS ITERATIONS
 */
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcpu/counter.h>
#include <pcpu/metric.h>
#include <pcpu/pcpu.h>

#include "writer_metrics.h"

COUNTER_U64_DEFINE_EARLY(test_requests);
DPCPU_DEFINE_STATIC(unsigned long, test_hits);
DPCPU_DEFINE_STATIC(long, test_balance);

/* A name that needs escaping in JSON and in Prometheus label values. */
#define WEIRD_NAME "test.weird \"quoted\" \\ name"
static counter_u64_t weird;

static uint64_t iterations;

/* "late": a counter registered while readers watch, who must find it; it adds LATE_ADD
 * (toolrun.h has it too) and prints "late". */
#define LATE_ADD 5
static void late(void)
{
	counter_u64_t c = counter_u64_alloc_named("test_late", M_WAITOK);

	if (!c) {
		perror("pcpu_test_writer: test_late");
		exit(1);
	}
	counter_u64_add(c, LATE_ADD);
	printf("late\n");
	fflush(stdout);
}

static void *work(void *arg)
{
	(void)arg;
	for (uint64_t i = 0; i < iterations; i++) {
		counter_u64_add(test_requests, 1);
		DPCPU_ADD(test_hits, 3);
		DPCPU_ADD(test_balance, -2);
		writer_metrics_add();
	}
	counter_u64_add(weird, 7);
	return NULL;
}

static int round_of(int threads)
{
	pthread_t tid[64];

	for (int i = 0; i < threads; i++)
		if (pthread_create(&tid[i], NULL, work, NULL) != 0)
			return -1;
	for (int i = 0; i < threads; i++)
		pthread_join(tid[i], NULL);
	return 0;
}

static void report(void)
{
	unsigned long hits = 0;
	long balance = 0;
	unsigned int cpu;

	CPU_FOREACH(cpu)
	{
		hits += DPCPU_ID_GET(cpu, test_hits);
		balance += DPCPU_ID_GET(cpu, test_balance);
	}
	printf("ready requests=%" PRIu64 " hits=%lu balance=%ld weird=%" PRIu64
	       " ncpus=%d domain=%s\n",
	       counter_u64_fetch(test_requests), hits, balance, counter_u64_fetch(weird), mp_ncpus,
	       pcpu_domain_path() ? pcpu_domain_path() : "-");
	fflush(stdout);
}

/* "type NAME counter|gauge": describes NAME so (pcpu_metric_describe), prints "typed". */
static void describe(const char *line)
{
	char name[32], type[16];
	struct pcpu_metric m = {.pm_help = "described by the test"};

	if (sscanf(line, "type %31s %15s", name, type) != 2) {
		fprintf(stderr, "pcpu_test_writer: bad line: %s", line);
		exit(2);
	}
	m.pm_type = strcmp(type, "gauge") == 0 ? PCPU_METRIC_GAUGE : PCPU_METRIC_COUNTER;
	if (pcpu_metric_describe(name, &m) != 0) {
		perror("pcpu_test_writer: pcpu_metric_describe");
		exit(1);
	}
	printf("typed\n");
	fflush(stdout);
}

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

/*
 * A child that holds the domain until SIGTERM, then exits normally (atexit runs).
 * "forked" is printed once the child says it runs: fork() returns in the child after
 * libpcpu's atfork handler wrote the child's pid into its slot, and until then a reader
 * shows the slot's holder without one (pcpu ls showed the exited parent's pid). The
 * child gives up the test's pipes, so that a failed test does not wait for it. SIGTERM
 * stays blocked but in sigsuspend(), so that one sent between the test of stop and the
 * wait is not lost.
 */
static void fork_child(void)
{
	int ready[2], null;
	char byte = 0;
	sigset_t term, old;
	pid_t pid;

	if (pipe(ready) != 0) {
		perror("pipe");
		exit(1);
	}
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, &old);
	signal(SIGTERM, on_term);
	pid = fork();
	if (pid == 0) {
		fclose(stdin);
		close(ready[0]);
		null = open("/dev/null", O_WRONLY);
		if (null < 0 || dup2(null, STDOUT_FILENO) < 0 || dup2(null, STDERR_FILENO) < 0 ||
		    write(ready[1], &byte, 1) != 1)
			_exit(1);
		close(null);
		close(ready[1]);
		while (!stop)
			sigsuspend(&old);
		exit(0);
	}
	signal(SIGTERM, SIG_DFL);
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(ready[1]);
	if (pid < 0 || read(ready[0], &byte, 1) != 1) {
		perror("fork");
		exit(1);
	}
	close(ready[0]);
	printf("forked %d\n", (int)pid);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	char line[64] = "";
	int threads;

	if (argc != 3 || (threads = atoi(argv[1])) < 1 || threads > 64) {
		fprintf(stderr, "usage: pcpu_test_writer THREADS(1-64) ITERATIONS\n");
		return 2;
	}
	iterations = strtoull(argv[2], NULL, 10);
	if (pcpu_counter_define_early(&weird, WEIRD_NAME) != 0 || writer_metrics_init() != 0) {
		perror("pcpu_test_writer: counter");
		return 1;
	}
	do {
		if (strcmp(line, "fork\n") == 0) {
			fork_child();
			continue;
		}
		if (strcmp(line, "late\n") == 0) {
			late();
			continue;
		}
		if (strncmp(line, "type ", 5) == 0) {
			describe(line);
			continue;
		}
		if (round_of(threads) != 0) {
			perror("pcpu_test_writer: pthread_create");
			return 1;
		}
		report();
	} while (fgets(line, sizeof(line), stdin) &&
		 (strcmp(line, "again\n") == 0 || strcmp(line, "fork\n") == 0 ||
		  strcmp(line, "late\n") == 0 || strncmp(line, "type ", 5) == 0));
	return 0;
}
