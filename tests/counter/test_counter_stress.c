/*
 * Exact sums under migration, signals, fork and concurrent zeroing. CMake runs this
 * binary in each add mode (rseq with glibc's area, rseq with our own, atomic).
 * Kept within the TSan criterion shim's subset.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcpu/counter.h>
#include <pcpu/pcpu.h>

/* counter_stress_indexed and counter_stress_pic are this file built with the indexed
 * commit and as a shared object's code; make sure each is what it says. */
#if defined(PCPU_X86_INDEXED_COMMIT) && PCPU_ARCH_RSEQ && !PCPU_ARCH_COMMIT_INDEXED
#error "PCPU_X86_INDEXED_COMMIT did not select the indexed commit"
#endif
#if defined(PCPU_TEST_PIC) && !(defined(__PIC__) && !defined(__PIE__))
#error "counter_stress_pic is not compiled as a shared object's code"
#endif

#include "arch/mode.h"
#include "common/stress.h"
#include "common/testutil.h"
#include "domain/domtest.h"

enum { ADDS = 1000000 };

static counter_u64_t c;

/* Flags between threads are atomics, so that ThreadSanitizer sees their ordering. */
#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_ACQUIRE)
#define STORE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELEASE)

static void setup(void)
{
	domtest_use_private_path();
	stress_init();
	c = counter_u64_alloc(M_WAITOK);
}

TestSuite(counter_stress, .init = setup, .fini = domtest_cleanup, .timeout = 240);

static void *add_loop(void *arg)
{
	(void)arg;
	for (int i = 0; i < ADDS; i++)
		counter_u64_add(c, 1);
	return NULL;
}

static void run_workers(void *(*fn)(void *), void *(*disturb)(void *))
{
	cr_assert_eq(stress_run(fn, disturb, -1), 0);
}

Test(counter_stress, threads_moved_between_cpus_sum_exactly)
{
	run_workers(add_loop, stress_migrate);
	cr_assert_eq(counter_u64_fetch(c), (uint64_t)stress_nthreads * ADDS);
}

/* Says which path this run proves: under qemu-user the rseq system call is ENOSYS, so
 * there every add of every test here is the atomic fallback. */
Test(counter_stress, reports_the_add_mode_it_proves)
{
	const char *env = getenv("PCPU_RSEQ");

	if (strcmp(pcpu_percpu_mode(), "atomic") == 0 && (env == NULL || strcmp(env, "0") != 0))
		cr_log_info("add mode: atomic, rseq unavailable here (qemu-user answers ENOSYS): "
			    "this run proves the atomic fallback, not the critical section");
	else
		cr_log_info("add mode: %s", pcpu_percpu_mode());
	cr_assert_not_null(c);
}

DPCPU_DEFINE_STATIC(uint64_t, stress_hits);
DPCPU_DEFINE_STATIC(uint16_t, stress_small);

static void *dpcpu_loop(void *arg)
{
	(void)arg;
	for (int i = 0; i < ADDS; i++) {
		DPCPU_ADD(stress_hits, 1);
		DPCPU_ADD(stress_small, 1);
	}
	return NULL;
}

Test(counter_stress, dpcpu_adds_of_threads_moved_between_cpus_sum_exactly)
{
	uint64_t hits = 0;
	uint16_t small = 0;

	run_workers(dpcpu_loop, stress_migrate);
	for (unsigned int cpu = 0; cpu <= mp_maxid; cpu++) {
		hits += DPCPU_ID_GET(cpu, stress_hits);
		small = (uint16_t)(small + DPCPU_ID_GET(cpu, stress_small));
	}
	cr_assert_eq(hits, (uint64_t)stress_nthreads * ADDS);
	cr_assert_eq(small, (uint16_t)((uint64_t)stress_nthreads * ADDS));
}

static long handled;
static long made[STRESS_MAXT];

/* ADDS adds, and more until a hundred signals were handled, so that a loaded machine
 * cannot finish the work before the signals start. */
static void *add_until_signalled(void *arg)
{
	long t = (long)arg, i = 0;

	for (; i < ADDS || __atomic_load_n(&handled, __ATOMIC_RELAXED) < 100; i++)
		counter_u64_add(c, 1);
	made[t] = i;
	return NULL;
}

static void on_signal(int sig)
{
	(void)sig;
	counter_u64_add(c, 1); /* nested inside an interrupted add */
	__atomic_fetch_add(&handled, 1, __ATOMIC_RELAXED);
}

Test(counter_stress, signals_during_adds_lose_and_double_nothing)
{
	struct sigaction sa = {.sa_handler = on_signal, .sa_flags = SA_RESTART};

	uint64_t want = 0;

	handled = 0;
	sigaction(SIGUSR1, &sa, NULL);
	run_workers(add_until_signalled, stress_signal);
	for (int t = 0; t < stress_nthreads; t++)
		want += (uint64_t)made[t];
	cr_assert_geq(LOAD(handled), 100);
	cr_assert_eq(counter_u64_fetch(c), want + (uint64_t)handled);
}

Test(counter_stress, prefork_workers_add_into_one_counter)
{
	enum { CHILDREN = 4 };
	pid_t pid[CHILDREN];

	for (int k = 0; k < CHILDREN; k++) {
		pid[k] = fork();
		if (pid[k] == 0) {
			add_loop(NULL);
			_exit(0);
		}
	}
	add_loop(NULL);
	for (int k = 0; k < CHILDREN; k++)
		cr_assert_eq(test_wait_exit(pid[k]), 0);
	cr_assert_eq(counter_u64_fetch(c), (uint64_t)(CHILDREN + 1) * ADDS);
}

/*
 * Workers add without pause; the main thread zeroes, then raises `after`. Each worker
 * then makes exactly AFTER more adds, which must all be counted, while the value from
 * before the zero (millions) must be gone but for adds made while it ran.
 *
 * Which adds count as "before" is a store-buffering question: a worker stores its add
 * and then loads `zeroing`; the main thread stores `zeroing` and then loads the values.
 * With a full barrier on both sides, a worker's load that still sees 0 proves its add was
 * visible before the zero read any value, so only the add after its last such load may
 * escape the zero (the + 1 below). Without the barriers x86 lets either load pass its
 * store, and adds still in a store buffer escape uncounted. The barrier is a seq_cst
 * read-modify-write (a locked instruction on x86) rather than a fence, which TSan
 * cannot model.
 */
enum { AFTER = 20000, ROUNDS = 20 };
static int zeroing, after;
static long during[STRESS_MAXT];
static __thread int barrier_word;

static void full_barrier(void)
{
	__atomic_fetch_add(&barrier_word, 0, __ATOMIC_SEQ_CST);
}

static void *add_across_zero(void *arg)
{
	long t = (long)arg;

	do
		counter_u64_add(c, 1);
	while (full_barrier(), !LOAD(zeroing));
	while (!LOAD(after)) {
		counter_u64_add(c, 1);
		during[t]++;
	}
	for (int i = 0; i < AFTER; i++)
		counter_u64_add(c, 1);
	return NULL;
}

Test(counter_stress, zero_keeps_every_add_that_starts_after_it)
{
	for (int round = 0; round < ROUNDS; round++) {
		long window = 0;

		zeroing = after = 0;
		for (long t = 0; t < stress_nthreads; t++) {
			during[t] = 0;
			pthread_create(&stress_workers[t], NULL, add_across_zero, (void *)t);
		}
		usleep(2000);
		STORE(zeroing, 1);
		full_barrier();
		counter_u64_zero(c);
		STORE(after, 1);
		for (int t = 0; t < stress_nthreads; t++) {
			pthread_join(stress_workers[t], NULL);
			window += during[t] + 1; /* + an add begun just before zeroing was seen */
		}
		uint64_t v = counter_u64_fetch(c);
		cr_assert_geq(v, (uint64_t)stress_nthreads * AFTER);
		cr_assert_leq(v, (uint64_t)stress_nthreads * AFTER + (uint64_t)window);
		counter_u64_zero(c);
	}
}

/* DPCPU_ADD of every width, through descriptors registered at run time as a linker set
 * would be: each width's copies must sum to the adds made, modulo its range. */
static uint8_t t8;
static uint16_t t16;
static uint32_t t32;
static uint64_t t64;
static void *d8, *d16, *d32, *d64;
static struct pcpu_dpcpu_desc descs[] = {
	{"stress8", &t8, 1, PCPU_DPCPU_F_INTEGER, &d8},
	{"stress16", &t16, 2, PCPU_DPCPU_F_INTEGER, &d16},
	{"stress32", &t32, 4, PCPU_DPCPU_F_INTEGER, &d32},
	{"stress64", &t64, 8, PCPU_DPCPU_F_INTEGER, &d64},
};

static void *dpcpu_add_loop(void *arg)
{
	(void)arg;
	for (int i = 0; i < ADDS / 4; i++)
		for (int w = 0; w < 4; w++)
			pcpu_dpcpu_add(&descs[w], 3);
	return NULL;
}

static uint64_t dpcpu_sum(const struct pcpu_dpcpu_desc *d)
{
	uint64_t sum = 0;

	for (unsigned int cpu = 0; cpu <= mp_maxid; cpu++) {
		const void *p = pcpu_dpcpu_id_ptr(d, cpu);
		sum += d->size == 1   ? *(const uint8_t *)p
		       : d->size == 2 ? *(const uint16_t *)p
		       : d->size == 4 ? *(const uint32_t *)p
				      : *(const uint64_t *)p;
	}
	return sum;
}

Test(counter_stress, dpcpu_add_of_every_width_sums_exactly_under_migration)
{
	uint64_t total = (uint64_t)stress_nthreads * (ADDS / 4) * 3;

	for (int w = 0; w < 4; w++) {
		pcpu_dpcpu_register((char *)descs[w].addr, (char *)descs[w].addr + descs[w].size,
				    &descs[w], &descs[w] + 1);
		cr_assert_not_null(*descs[w].cpu0);
	}
	run_workers(dpcpu_add_loop, stress_migrate);
	cr_assert_eq(dpcpu_sum(&descs[0]) % 256, total % 256);
	cr_assert_eq(dpcpu_sum(&descs[1]) % 65536, total % 65536);
	cr_assert_eq(dpcpu_sum(&descs[2]) % 4294967296u, total % 4294967296u);
	cr_assert_eq(dpcpu_sum(&descs[3]), total);
}

/*
 * A targeted race: one thread pinned to CPU 1 adds BIG without pause, the zeroing thread
 * is pinned to CPU 0. After each zero, the counter may hold only adds made since the zero
 * began; an add in flight on CPU 1 that wrote back the slot's old value would show as
 * the many adds accumulated before it.
 */
enum { BIG = 1 << 20, ACCUMULATE = 50, ZEROS = 100000 };
static long pinned_adds;

static void pin_self(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *add_on_cpu1(void *arg)
{
	(void)arg;
	pin_self(1);
	while (!LOAD(stress_stop)) {
		counter_u64_add(c, BIG);
		__atomic_fetch_add(&pinned_adds, 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void wait_adds(long target)
{
	while (LOAD(pinned_adds) < target)
		;
}

Test(counter_stress, zero_is_never_undone_by_an_add_on_another_cpu)
{
	pthread_t worker;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		cr_skip_test("needs two CPUs");
	pin_self(0);
	cr_assert_eq(pthread_create(&worker, NULL, add_on_cpu1, NULL), 0);
	for (int i = 0; i < ZEROS; i++) {
		wait_adds(LOAD(pinned_adds) + ACCUMULATE);
		long d0 = LOAD(pinned_adds);
		counter_u64_zero(c);
		wait_adds(LOAD(pinned_adds) + 2);
		uint64_t v = counter_u64_fetch(c);
		long d2 = LOAD(pinned_adds);
		cr_assert_leq(v / BIG, (uint64_t)(d2 - d0 + 1));
	}
	STORE(stress_stop, 1);
	pthread_join(worker, NULL);
}
