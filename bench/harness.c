#include "harness.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

enum { BENCH_REPS = 5 };

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

double bench_ns_per_op(bench_body_fn *body, void *arg, uint64_t iters)
{
	double best = -1;

	body(arg, iters / 10 + 1); /* warm caches and fault in pages */
	for (int rep = 0; rep < BENCH_REPS; rep++) {
		double t0 = now_ns();

		body(arg, iters);
		double ns = (now_ns() - t0) / (double)iters;
		if (best < 0 || ns < best)
			best = ns;
	}
	return best;
}

struct bench_thread {
	bench_body_fn *body;
	void *arg;
	uint64_t iters;
	pthread_barrier_t *start;
	double elapsed_ns;
};

static void *bench_thread_main(void *p)
{
	struct bench_thread *t = p;

	pthread_barrier_wait(t->start);
	double t0 = now_ns();
	t->body(t->arg, t->iters);
	t->elapsed_ns = now_ns() - t0;
	return NULL;
}

static double bench_threads_once(bench_body_fn *body, void *arg, uint64_t iters, int nthreads)
{
	pthread_t tid[nthreads];
	struct bench_thread th[nthreads];
	pthread_barrier_t start;
	double slowest = 0;

	pthread_barrier_init(&start, NULL, (unsigned)nthreads);
	for (int i = 0; i < nthreads; i++) {
		th[i] = (struct bench_thread){body, arg, iters, &start, 0};
		if (pthread_create(&tid[i], NULL, bench_thread_main, &th[i]) != 0) {
			perror("pthread_create");
			exit(1);
		}
	}
	for (int i = 0; i < nthreads; i++) {
		pthread_join(tid[i], NULL);
		if (th[i].elapsed_ns > slowest)
			slowest = th[i].elapsed_ns;
	}
	pthread_barrier_destroy(&start);
	return (double)nthreads * (double)iters / slowest * 1e9;
}

double bench_ops_per_sec(bench_body_fn *body, void *arg, uint64_t iters, int nthreads)
{
	double best = 0;

	bench_threads_once(body, arg, iters / 10 + 1, nthreads);
	for (int rep = 0; rep < BENCH_REPS; rep++) {
		double ops = bench_threads_once(body, arg, iters, nthreads);
		if (ops > best)
			best = ops;
	}
	return best;
}

void bench_report(const char *name, double value, const char *baseline, double base_value,
		  const char *unit)
{
	/* A baseline of 0 or less (a net cost within the noise) has no ratio, not 0. */
	if (base_value > 0)
		printf("%-44s %12.2f %-6s | %-32s %12.2f %-6s | ratio %6.2fx\n", name, value, unit,
		       baseline, base_value, unit, value / base_value);
	else
		printf("%-44s %12.2f %-6s | %-32s %12.2f %-6s | ratio    n/a\n", name, value, unit,
		       baseline, base_value, unit);
	fflush(stdout);
}

void bench_header(const char *title)
{
	printf("== %s (online CPUs: %ld)\n", title, sysconf(_SC_NPROCESSORS_ONLN));
}
