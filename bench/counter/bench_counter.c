/*
 * counter_u64_add against its baselines, all in one run: (a) a plain thread-local
 * increment, (b) one shared atomic counter, (c) an atomic add on the slot of the CPU
 * sched_getcpu() names; with 1, 2 and 4 threads. Then counter_u64_fetch against maxcpu
 * 2, 64 and 4096 (each in a child started with PCPU_MAXCPU), and the cost of creating
 * and naming 1000 counters.
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <pcpu/counter.h>
#include <pcpu/pcpu.h>
#include <pcpu/zpcpu.h>

#include "arch/mode.h"
#include "harness.h"

enum { ITERS = 20000000 };

static counter_u64_t counter;
static uint64_t shared_counter;
static char *slots; /* a zpcpu allocation: one uint64_t per CPU */
static __thread uint64_t local_counter;
DPCPU_DEFINE_STATIC(uint64_t, bench_hits);

static void plain_local(void *arg, uint64_t n)
{
	(void)arg;
	for (uint64_t i = 0; i < n; i++) {
		local_counter++;
		__asm__ volatile("" : : : "memory"); /* one increment in memory per add */
	}
}

/* The same increment behind a call, as counter_u64_add is: what a call alone costs. */
__attribute__((noinline)) static void increment(uint64_t *p)
{
	__asm__ volatile("" : : : "memory");
	(*p)++;
}

static void called_local(void *arg, uint64_t n)
{
	(void)arg;
	for (uint64_t i = 0; i < n; i++)
		increment(&local_counter);
}

static void dpcpu_add(void *arg, uint64_t n)
{
	(void)arg;
	for (uint64_t i = 0; i < n; i++)
		DPCPU_ADD(bench_hits, 1);
}

static void shared_atomic(void *arg, uint64_t n)
{
	(void)arg;
	for (uint64_t i = 0; i < n; i++)
		__atomic_fetch_add(&shared_counter, 1, __ATOMIC_RELAXED);
}

static void getcpu_atomic(void *arg, uint64_t n)
{
	size_t stride = zpcpu_stride();

	(void)arg;
	for (uint64_t i = 0; i < n; i++)
		__atomic_fetch_add((uint64_t *)(slots + (size_t)sched_getcpu() * stride), 1,
				   __ATOMIC_RELAXED);
}

static void pcpu_counter(void *arg, uint64_t n)
{
	(void)arg;
	for (uint64_t i = 0; i < n; i++)
		counter_u64_add(counter, 1);
}

static void fetch_loop(void *arg, uint64_t n)
{
	(void)arg;
	for (uint64_t i = 0; i < n; i++)
		bench_keep(counter_u64_fetch(counter));
}

/* Per-thread nanoseconds per add when t threads add at once. */
static double ns_per_add(bench_body_fn *fn, int t)
{
	return 1e9 * t / bench_ops_per_sec(fn, NULL, ITERS / 2, t);
}

static void adds(int t)
{
	double mine = ns_per_add(pcpu_counter, t), a = ns_per_add(plain_local, t),
	       b = ns_per_add(shared_atomic, t), c = ns_per_add(getcpu_atomic, t);
	char name[64];

	snprintf(name, sizeof(name), "counter_u64_add, %d thread%s", t, t > 1 ? "s" : "");
	bench_report(name, mine, "(a) thread-local increment", a, "ns");
	bench_report(name, mine, "(b) one shared atomic", b, "ns");
	bench_report(name, mine, "(c) atomic on sched_getcpu slot", c, "ns");
	snprintf(name, sizeof(name), "counter_u64_add throughput, %d threads", t);
	bench_report(name, t / mine * 1e3, "(b) one shared atomic", t / b * 1e3, "Mop/s");
}

/* Child mode: prints ns per counter_u64_fetch in this process (PCPU_MAXCPU set). */
static int fetch_child(void)
{
	counter = counter_u64_alloc(M_WAITOK);
	printf("%.3f\n", bench_ns_per_op(fetch_loop, NULL, 200000));
	return 0;
}

static double fetch_at(const char *self, int maxcpu)
{
	char cmd[4200];
	double ns = -1;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "PCPU_MAXCPU=%d '%s' --fetch", maxcpu, self);
	p = popen(cmd, "r");
	if (p == NULL || fscanf(p, "%lf", &ns) != 1)
		ns = -1;
	if (p != NULL)
		pclose(p);
	return ns;
}

static double ms_for_1000_named_counters(void)
{
	struct timespec t0, t1;
	char name[32];

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "bench_counter_%d", i);
		if (pcpu_register(name, counter_u64_alloc(M_WAITOK), 8) != 0)
			return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
}

int main(int argc, char **argv)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (argc > 1 && strcmp(argv[1], "--fetch") == 0)
		return fetch_child();
	if (n <= 0)
		return 1;
	self[n] = '\0';
	counter = counter_u64_alloc(M_WAITOK);
	slots = zpcpu_alloc(sizeof(uint64_t));
	bench_header("counter(9)");
	printf("add mode: %s, domain: %s\n", pcpu_percpu_mode(),
	       pcpu_domain_path() ? pcpu_domain_path() : "private");
	for (int t = 1; t <= 4; t *= 2)
		adds(t);
	double a = ns_per_add(plain_local, 1);
	bench_report("counter_u64_add, 1 thread", ns_per_add(pcpu_counter, 1),
		     "(a2) increment in a called function", ns_per_add(called_local, 1), "ns");
	bench_report("DPCPU_ADD, 1 thread", ns_per_add(dpcpu_add, 1), "(a) thread-local increment",
		     a, "ns");
	double f2 = fetch_at(self, 2);
	bench_report("counter_u64_fetch, maxcpu 64", fetch_at(self, 64), "maxcpu 2", f2, "ns");
	bench_report("counter_u64_fetch, maxcpu 4096", fetch_at(self, 4096), "maxcpu 2", f2, "ns");
	bench_report("create + register 1000 counters", ms_for_1000_named_counters(), "(none)", 0,
		     "ms");
	return 0;
}
