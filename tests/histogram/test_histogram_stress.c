/*
 * Exact buckets and sum after millions of observes made at once by threads moved between
 * CPUs, by forked children and by signal handlers nested in an interrupted observe; read
 * back in this process and by another one through kvm, which reads all along and must
 * never see a bucket go down. CMake runs this binary in each add mode (rseq with glibc's
 * area, rseq with our own, atomic); ThreadSanitizer runs it (label concurrency), so it
 * keeps to the TSan criterion shim's subset.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <pcpu/histogram.h>
#include <pcpu/pcpu.h>

#include "arch/mode.h"
#include "common/stress.h"
#include "common/testutil.h"
#include "domain/domtest.h"
#include "histogram/histread.h"

enum { OBSERVES = 1000000, CHILDREN = 3, NB = 12 };

static const uint64_t bounds[NB] = {5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000};
static pcpu_histogram_t h;
static long made[STRESS_MAXT];

#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_ACQUIRE)

static void setup(void)
{
	domtest_use_private_path();
	stress_init();
	h = pcpu_histogram_alloc_named("stress_latency", bounds, NB, NULL, M_WAITOK);
	cr_assert_not_null(h);
}

TestSuite(histogram_stress, .init = setup, .fini = domtest_cleanup, .timeout = 400);

/* The i-th value observer w observes: spread over every bucket, +Inf included. */
static uint64_t value(long w, long i)
{
	return ((uint64_t)i * 2654435761u + (uint64_t)w * 40503u) % 30000u;
}

static unsigned int reference_bucket(uint64_t v)
{
	unsigned int i = 0;

	while (i < NB && v > bounds[i])
		i++;
	return i;
}

struct expect {
	uint64_t buckets[NB + 1], sum;
};

static void expect_observer(struct expect *e, long w, long n)
{
	for (long i = 0; i < n; i++) {
		e->buckets[reference_bucket(value(w, i))]++;
		e->sum += value(w, i);
	}
}

static void observe_as(long w, long n)
{
	for (long i = 0; i < n; i++)
		pcpu_histogram_observe(h, value(w, i));
}

static void *observe_loop(void *arg)
{
	observe_as((long)arg, OBSERVES);
	return NULL;
}

static void assert_fetch_is(const struct expect *e)
{
	uint64_t got[NB + 1], sum;

	cr_assert_eq(pcpu_histogram_fetch(h, got, &sum), 0);
	for (int i = 0; i <= NB; i++)
		cr_assert_eq(got[i], e->buckets[i], "bucket %d", i);
	cr_assert_eq(sum, e->sum);
}

static void assert_reader_saw(struct histread *r, const struct expect *e)
{
	struct histread_result res;

	cr_assert_eq(histread_finish(r, &res), 0);
	cr_assert(res.ok, "%s", res.err);
	cr_assert(res.monotonic, "a bucket or the sum went down between two reads");
	cr_assert_eq(res.meta.km_nbounds, NB);
	for (int i = 0; i <= NB; i++)
		cr_assert_eq(res.buckets[i], e->buckets[i], "bucket %d", i);
	cr_assert_eq(res.sum, e->sum);
	cr_log_info("add mode %s: the reader read %ld times while observes ran", pcpu_percpu_mode(),
		    res.reads);
}

/* The reader and the children are forked before any thread starts. */
Test(histogram_stress, threads_moved_between_cpus_and_forked_children_count_exactly)
{
	struct expect e = {{0}, 0};
	struct histread r;
	pid_t pid[CHILDREN];
	int gate[2];
	char c;

	cr_assert_eq(histread_start(&r, pcpu_domain_path(), "stress_latency"), 0);
	cr_assert_eq(pipe(gate), 0);
	for (int k = 0; k < CHILDREN; k++) {
		pid[k] = fork();
		cr_assert_geq(pid[k], 0);
		if (pid[k] == 0) {
			close(gate[1]);
			if (read(gate[0], &c, 1) != 0) /* end of file: the threads are ready */
				_exit(1);
			observe_as(STRESS_MAXT + k, OBSERVES);
			_exit(0);
		}
	}
	close(gate[0]);
	cr_assert_eq(stress_run(observe_loop, stress_migrate, gate[1]), 0);
	for (int k = 0; k < CHILDREN; k++)
		cr_assert_eq(test_wait_exit(pid[k]), 0);
	for (long t = 0; t < stress_nthreads; t++)
		expect_observer(&e, t, OBSERVES);
	for (int k = 0; k < CHILDREN; k++)
		expect_observer(&e, STRESS_MAXT + k, OBSERVES);
	assert_fetch_is(&e);
	assert_reader_saw(&r, &e);
}

enum { SIGNALLED = 7777 }; /* what a handler observes: bucket 9 */
static long handled;

/* OBSERVES, and more until a hundred signals were handled, so that a loaded machine
 * cannot finish the work before the signals start. */
static void *observe_until_signalled(void *arg)
{
	long t = (long)arg, i = 0;

	for (; i < OBSERVES || __atomic_load_n(&handled, __ATOMIC_RELAXED) < 100; i++)
		pcpu_histogram_observe(h, value(t, i));
	made[t] = i;
	return NULL;
}

static void on_signal(int sig)
{
	(void)sig;
	pcpu_histogram_observe(h, SIGNALLED); /* nested inside an interrupted observe */
	__atomic_fetch_add(&handled, 1, __ATOMIC_RELAXED);
}

Test(histogram_stress, signals_during_observes_lose_and_double_nothing)
{
	struct sigaction sa = {.sa_handler = on_signal, .sa_flags = SA_RESTART};
	struct expect e = {{0}, 0};

	handled = 0;
	sigaction(SIGUSR1, &sa, NULL);
	cr_assert_eq(stress_run(observe_until_signalled, stress_signal, -1), 0);
	for (long t = 0; t < stress_nthreads; t++)
		expect_observer(&e, t, made[t]);
	cr_assert_geq(LOAD(handled), 100);
	e.buckets[reference_bucket(SIGNALLED)] += (uint64_t)handled;
	e.sum += (uint64_t)handled * SIGNALLED;
	assert_fetch_is(&e);
}
