/*
 * counter_u64_add and DPCPU_ADD against a bare rseq add written from the ABI in this
 * benchmark (loops.c), all in one run: one counter (tight), 16 counters round-robin, and
 * the net cost amid independent ALU work; each again with the caller compiled -fPIC in a
 * plugin, and each again against librseq's per-CPU add when the build found librseq
 * (bench/counter/CMakeLists.txt); then 1, 2 and 4-thread throughput. Context, not
 * baselines: a thread-local increment (bimodal on this machine), one shared atomic
 * counter, an atomic add on the slot of the CPU sched_getcpu() names. Then
 * counter_u64_fetch against maxcpu 2, 64 and 4096 (each in a child started with
 * PCPU_MAXCPU), and the cost of creating and naming 1000 counters.
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
#ifdef BENCH_LIBRSEQ
#include <rseq/mempool.h>
#include <rseq/rseq.h>
#endif

#include "arch/mode.h"
#include "harness.h"
#include "loops.h"

enum { ITERS = 20000000 };

struct loop_targets loop_targets;
static counter_u64_t counter;
static uint64_t shared_counter;
static char *slots; /* a zpcpu allocation: one uint64_t per CPU */
static __thread uint64_t local_counter;

static void plain_local(void *arg, uint64_t n)
{
	(void)arg;
	for (uint64_t i = 0; i < n; i++) {
		local_counter++;
		__asm__ volatile("" : : : "memory"); /* one increment in memory per add */
	}
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

/* One loop kind against the bare add: ns per add, or the net ns per add amid work. */
struct kind {
	const char *name;
	bench_body_fn *counter, *dpcpu, *bare, *bare_whole;
	bench_body_fn *work; /* the "amid" loop without adds */
	int adds_per_iter;
	bench_body_fn *librseq; /* NULL without librseq */
};

#ifdef BENCH_LIBRSEQ
#define LIBRSEQ(fn) fn
#else
#define LIBRSEQ(fn) NULL
#endif

/* The loops of one kind take turns, ROUNDS times, and each keeps its best: a burst of
 * load from other processes then falls on all of them alike, rather than on whichever
 * ran while it lasted, which matters most for the net cost amid work, a difference of
 * two such figures. The baseline is the faster form of the bare add (bare_rseq.h). */
enum { ROUNDS = 5 };

static void versus_bare(const struct kind *k, const char *caller)
{
	enum { WORK, BARE, BARE_WHOLE, COUNTER, DPCPU, LIBRSEQ_ADD, N };
	bench_body_fn *fn[N] = {k->work, k->bare, k->bare_whole, k->counter, k->dpcpu, k->librseq};
	double best[N] = {0, 1e300, 1e300, 1e300, 1e300, 1e300}, bare;
	const char *bare_name;
	char name[96];

	for (int r = 0; r < ROUNDS; r++)
		for (int i = 0; i < N; i++) {
			if (fn[i] == NULL)
				continue;
			double ns = ns_per_add(fn[i], 1) / (i == WORK ? 1 : k->adds_per_iter);
			best[i] = r == 0 || ns < best[i] ? ns : best[i];
		}
	bare = best[BARE] <= best[BARE_WHOLE] ? best[BARE] : best[BARE_WHOLE];
	bare_name = best[BARE] <= best[BARE_WHOLE] ? "bare rseq add, indexed"
						   : "bare rseq add, whole address";
	for (int i = COUNTER; i <= DPCPU; i++) {
		snprintf(name, sizeof(name), "%s, %s%s",
			 i == COUNTER ? "counter_u64_add" : "DPCPU_ADD", k->name, caller);
		bench_report(name, best[i] - best[WORK], bare_name, bare - best[WORK], "ns");
		if (fn[LIBRSEQ_ADD] != NULL)
			bench_report(name, best[i] - best[WORK], "librseq's per-CPU add",
				     best[LIBRSEQ_ADD] - best[WORK], "ns");
	}
}

static void loops(void)
{
	static const struct kind kinds[] = {
		{"tight", counter_tight, dpcpu_tight, bare_tight, bare_whole_tight, NULL, 1,
		 LIBRSEQ(librseq_tight)},
		{"16 round-robin", counter_rr, dpcpu_rr, bare_rr, bare_whole_rr, NULL, RR,
		 LIBRSEQ(librseq_rr)},
		{"net amid ALU work", counter_amid, dpcpu_amid, bare_amid, bare_whole_amid,
		 work_only, 1, LIBRSEQ(librseq_amid)},
		{"tight", counter_tight_pic, dpcpu_tight_pic, bare_tight_pic, bare_whole_tight_pic,
		 NULL, 1, LIBRSEQ(librseq_tight_pic)},
		{"16 round-robin", counter_rr_pic, dpcpu_rr_pic, bare_rr_pic, bare_whole_rr_pic,
		 NULL, RR, LIBRSEQ(librseq_rr_pic)},
		{"net amid ALU work", counter_amid_pic, dpcpu_amid_pic, bare_amid_pic,
		 bare_whole_amid_pic, work_only_pic, 1, LIBRSEQ(librseq_amid_pic)},
	};

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		versus_bare(&kinds[i], i < 3 ? "" : ", -fPIC caller");
}

static void adds(int t)
{
	double mine = ns_per_add(counter_tight, t), bare = ns_per_add(bare_tight, t);
	double whole = ns_per_add(bare_whole_tight, t);
	char name[64];

	bare = bare <= whole ? bare : whole; /* the faster form, as in versus_bare() */

	snprintf(name, sizeof(name), "counter_u64_add throughput, %d thread%s", t,
		 t > 1 ? "s" : "");
	bench_report(name, t / mine * 1e3, "bare rseq add, faster form", t / bare * 1e3, "Mop/s");
	snprintf(name, sizeof(name), "counter_u64_add, %d thread%s", t, t > 1 ? "s" : "");
	bench_report(name, mine, "(a) thread-local increment", ns_per_add(plain_local, t), "ns");
	bench_report(name, mine, "(b) one shared atomic", ns_per_add(shared_atomic, t), "ns");
	bench_report(name, mine, "(c) atomic on sched_getcpu slot", ns_per_add(getcpu_atomic, t),
		     "ns");
}

#ifdef BENCH_LIBRSEQ
/* librseq's items: a per-CPU pool of its default stride over every CPU slot of the
 * domain, one 8-byte item per round-robin target. 0, or -1 with errno. */
static int librseq_setup(void)
{
	struct rseq_mempool_attr *attr = rseq_mempool_attr_create();
	struct rseq_mempool *pool = NULL;

	if (attr != NULL && rseq_mempool_attr_set_percpu(attr, 0, (int)pcpu_mp_maxid() + 1) == 0)
		pool = rseq_mempool_create("bench_counter", sizeof(intptr_t), attr);
	rseq_mempool_attr_destroy(attr);
	for (int k = 0; k < RR && pool != NULL; k++)
		if ((loop_targets.librseq[k] = rseq_mempool_percpu_zmalloc(pool)) == NULL)
			return -1;
	return pool == NULL ? -1 : rseq_register_current_thread();
}
#endif

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
	loop_targets.one = counter_u64_alloc(M_WAITOK);
	for (int k = 0; k < RR; k++)
		loop_targets.rr[k] = counter_u64_alloc(M_WAITOK);
	loop_targets.slots = zpcpu_alloc(RR * sizeof(uint64_t));
	loop_targets.stride = zpcpu_stride();
	bench_header("counter(9)");
	printf("add mode: %s, commit: %s, domain: %s\n", pcpu_percpu_mode(),
	       PCPU_ARCH_COMMIT_INDEXED ? "indexed" : "whole address",
	       pcpu_domain_path() ? pcpu_domain_path() : "private");
	if (strncmp(pcpu_percpu_mode(), "rseq", 4) != 0) {
		printf("the bare rseq add needs rseq mode: skipped\n");
		return 0;
	}
#ifdef BENCH_LIBRSEQ
	if (librseq_setup() != 0) {
		perror("librseq");
		return 1;
	}
#endif
	loops();
	for (int t = 1; t <= 4; t *= 2)
		adds(t);
	double f2 = fetch_at(self, 2);
	bench_report("counter_u64_fetch, maxcpu 64", fetch_at(self, 64), "maxcpu 2", f2, "ns");
	bench_report("counter_u64_fetch, maxcpu 4096", fetch_at(self, 4096), "maxcpu 2", f2, "ns");
	bench_report("create + register 1000 counters", ms_for_1000_named_counters(), "(none)", 0,
		     "ms");
	return 0;
}
