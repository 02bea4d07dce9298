/*
 * The domain's slow paths next to their nearest everyday equivalents: zpcpu_alloc/free
 * against malloc/free, DPCPU_GET against a thread-local read, and the cost of creating
 * a domain (first use) with maxcpu 2 and 4096, each in a child started with PCPU_MAXCPU.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <pcpu/pcpu.h>
#include <pcpu/zpcpu.h>

#include "harness.h"

DPCPU_DEFINE_STATIC(long, bench_value) = 1;
static __thread long local_value = 1;

static void zpcpu_pair(void *arg, uint64_t n)
{
	(void)arg;
	for (uint64_t i = 0; i < n; i++)
		zpcpu_free(zpcpu_alloc(8));
}

static void malloc_pair(void *arg, uint64_t n)
{
	(void)arg;
	for (uint64_t i = 0; i < n; i++) {
		void *p = malloc(8);
		bench_keep(p);
		free(p);
	}
}

static void dpcpu_get(void *arg, uint64_t n)
{
	(void)arg;
	for (uint64_t i = 0; i < n; i++)
		bench_keep(DPCPU_GET(bench_value));
}

static void local_get(void *arg, uint64_t n)
{
	(void)arg;
	for (uint64_t i = 0; i < n; i++) {
		__asm__ volatile("" : : : "memory");
		bench_keep(local_value);
	}
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Child mode: the domain already exists (DPCPU registered it before main); report how
 * long a fresh one takes by timing pcpu_find on a new process image instead. */
static double creation_ms(const char *self, int maxcpu)
{
	char cmd[4200];
	double t0 = now_ms();

	snprintf(cmd, sizeof(cmd), "PCPU_MAXCPU=%d '%s' --create", maxcpu, self);
	if (system(cmd) != 0)
		return -1;
	return now_ms() - t0;
}

int main(int argc, char **argv)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (argc > 1 && strcmp(argv[1], "--create") == 0)
		return pcpu_find(0) == NULL;
	if (n <= 0)
		return 1;
	self[n] = '\0';
	bench_header("domain");
	bench_report("zpcpu_alloc(8) + zpcpu_free", bench_ns_per_op(zpcpu_pair, NULL, 200000),
		     "malloc(8) + free", bench_ns_per_op(malloc_pair, NULL, 200000), "ns");
	bench_report("DPCPU_GET", bench_ns_per_op(dpcpu_get, NULL, 10000000), "thread-local read",
		     bench_ns_per_op(local_get, NULL, 10000000), "ns");
	double two = creation_ms(self, 2);
	bench_report("process start + domain, maxcpu 4096", creation_ms(self, 4096),
		     "same, maxcpu 2", two, "ms");
	return 0;
}
