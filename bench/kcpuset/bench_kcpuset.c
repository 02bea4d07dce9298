/*
 * kcpuset against glibc's CPU_*_S macros on sets of the same size, in the same run:
 * set, isset, countset, merge (CPU_OR_S), intersect (CPU_AND_S) and ffs. glibc has no
 * ffs, so its baseline is the CPU_ISSET_S scan a glibc program writes. Each size runs in
 * a child process, since a process has one set size (PCPU_MAXCPU). Sets are dense (half
 * the CPUs), except for countset-1cpu, glibc's best case.
 */
#include <pcpu/kcpuset.h>

#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

enum { NIDX = 1024, ITERS = 2000000, BULK_ITERS = 200000 };

struct pair {
	kcpuset_t *k, *k2, *k1; /* dense, upper-half, a single CPU */
	cpu_set_t *c, *c2, *c1;
	size_t size;	   /* bytes of the glibc sets */
	cpuid_t idx[NIDX]; /* random CPUs for set and isset */
};

static void k_set(void *p, uint64_t n)
{
	struct pair *s = p;

	for (uint64_t i = 0; i < n; i++)
		kcpuset_set(s->k, s->idx[i % NIDX]);
	bench_keep(s->k->kc_bits[0]);
}

static void c_set(void *p, uint64_t n)
{
	struct pair *s = p;

	for (uint64_t i = 0; i < n; i++)
		CPU_SET_S(s->idx[i % NIDX], s->size, s->c);
	bench_keep(s->c->__bits[0]);
}

static void k_isset(void *p, uint64_t n)
{
	struct pair *s = p;
	int sum = 0;

	for (uint64_t i = 0; i < n; i++)
		sum += kcpuset_isset(s->k, s->idx[i % NIDX]);
	bench_keep(sum);
}

static void c_isset(void *p, uint64_t n)
{
	struct pair *s = p;
	int sum = 0;

	for (uint64_t i = 0; i < n; i++)
		sum += CPU_ISSET_S(s->idx[i % NIDX], s->size, s->c);
	bench_keep(sum);
}

static void k_count(void *p, uint64_t n)
{
	struct pair *s = p;

	for (uint64_t i = 0; i < n; i++)
		bench_keep(kcpuset_countset(s->k));
}

static void c_count(void *p, uint64_t n)
{
	struct pair *s = p;

	for (uint64_t i = 0; i < n; i++)
		bench_keep(CPU_COUNT_S(s->size, s->c));
}

/* glibc's count loops once per set CPU: a one-CPU set is its best case. */
static void k_count1(void *p, uint64_t n)
{
	struct pair *s = p;

	for (uint64_t i = 0; i < n; i++)
		bench_keep(kcpuset_countset(s->k1));
}

static void c_count1(void *p, uint64_t n)
{
	struct pair *s = p;

	for (uint64_t i = 0; i < n; i++)
		bench_keep(CPU_COUNT_S(s->size, s->c1));
}

static void k_merge(void *p, uint64_t n)
{
	struct pair *s = p;

	for (uint64_t i = 0; i < n; i++) {
		kcpuset_merge(s->k, s->k2);
		bench_keep(s->k);
	}
}

static void c_merge(void *p, uint64_t n)
{
	struct pair *s = p;

	for (uint64_t i = 0; i < n; i++) {
		CPU_OR_S(s->size, s->c, s->c, s->c2);
		bench_keep(s->c);
	}
}

static void k_intersect(void *p, uint64_t n)
{
	struct pair *s = p;

	for (uint64_t i = 0; i < n; i++) {
		kcpuset_intersect(s->k, s->k2);
		bench_keep(s->k);
	}
}

static void c_intersect(void *p, uint64_t n)
{
	struct pair *s = p;

	for (uint64_t i = 0; i < n; i++) {
		CPU_AND_S(s->size, s->c, s->c, s->c2);
		bench_keep(s->c);
	}
}

static void k_ffs(void *p, uint64_t n)
{
	struct pair *s = p;

	for (uint64_t i = 0; i < n; i++)
		bench_keep(kcpuset_ffs(s->k2));
}

static void c_ffs(void *p, uint64_t n)
{
	struct pair *s = p;

	for (uint64_t i = 0; i < n; i++) {
		size_t cpu = 0;

		while (cpu < 8 * s->size && !CPU_ISSET_S(cpu, s->size, s->c2))
			cpu++;
		bench_keep(cpu);
	}
}

static void compare(const char *what, bench_body_fn *k, bench_body_fn *c, struct pair *s,
		    uint64_t iters)
{
	char name[64], base[64];
	double kns = bench_ns_per_op(k, s, iters), cns = bench_ns_per_op(c, s, iters);

	snprintf(name, sizeof(name), "kcpuset %s/%u", what, kcpuset_capacity());
	snprintf(base, sizeof(base), "glibc %s", what);
	bench_report(name, kns, base, cns, "ns/op");
}

/* Dense random sets (half the CPUs); the second starts at the middle CPU, for ffs; the
 * third holds only the last CPU. */
static void fill(struct pair *s)
{
	unsigned int seed = 42, cap = kcpuset_capacity();

	for (cpuid_t c = 0; c < cap; c++) {
		if (rand_r(&seed) & 1) {
			kcpuset_set(s->k, c);
			CPU_SET_S(c, s->size, s->c);
		}
		if (c >= cap / 2 && rand_r(&seed) & 1) {
			kcpuset_set(s->k2, c);
			CPU_SET_S(c, s->size, s->c2);
		}
	}
	kcpuset_set(s->k2, cap / 2);
	CPU_SET_S(cap / 2, s->size, s->c2);
	kcpuset_set(s->k1, cap - 1);
	CPU_SET_S(cap - 1, s->size, s->c1);
	for (int i = 0; i < NIDX; i++)
		s->idx[i] = (cpuid_t)rand_r(&seed) % cap;
}

static int run(void)
{
	struct pair s;

	kcpuset_create(&s.k, true);
	kcpuset_create(&s.k2, true);
	kcpuset_create(&s.k1, true);
	s.size = CPU_ALLOC_SIZE(kcpuset_capacity());
	s.c = CPU_ALLOC(kcpuset_capacity());
	s.c2 = CPU_ALLOC(kcpuset_capacity());
	s.c1 = CPU_ALLOC(kcpuset_capacity());
	if (s.k == NULL || s.k2 == NULL || s.k1 == NULL || s.c == NULL || s.c2 == NULL ||
	    s.c1 == NULL) {
		perror("bench_kcpuset");
		return 1;
	}
	CPU_ZERO_S(s.size, s.c);
	CPU_ZERO_S(s.size, s.c2);
	CPU_ZERO_S(s.size, s.c1);
	fill(&s);
	compare("set", k_set, c_set, &s, ITERS);
	compare("isset", k_isset, c_isset, &s, ITERS);
	compare("countset", k_count, c_count, &s, BULK_ITERS);
	compare("countset-1cpu", k_count1, c_count1, &s, BULK_ITERS);
	compare("merge", k_merge, c_merge, &s, BULK_ITERS);
	compare("intersect", k_intersect, c_intersect, &s, BULK_ITERS);
	compare("ffs", k_ffs, c_ffs, &s, BULK_ITERS / 10);
	return 0;
}

int main(void)
{
	const char *sizes[] = {"1024", "4096"};
	int status = 0;

	bench_header("kcpuset vs glibc CPU_*_S (lower is better; ratio < 1: kcpuset faster)");
	for (int i = 0; i < 2; i++) {
		pid_t pid;
		int st;

		fflush(stdout);
		if ((pid = fork()) == 0) {
			setenv("PCPU_MAXCPU", sizes[i], 1);
			_exit(run());
		}
		if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			status = 1;
	}
	return status;
}
