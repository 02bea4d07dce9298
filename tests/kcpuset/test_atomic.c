/*
 * Eight threads hammer one 4096-CPU set with the atomic operations; the final set must
 * be exact. Runs under ThreadSanitizer too (label concurrency), so it keeps to the
 * Criterion subset of tests/tsan/criterion/criterion.h.
 */
#include <pthread.h>

#include "kcpuset_test.h"

enum { NTHREADS = 8, ROUNDS = 100, NCPU = 4096 };

TestSuite(atomic, .init = capacity_4096, .fini = release_sets);

struct worker {
	kcpuset_t *shared, *own, *keep, *rem;
	int t;
	int lost; /* own bits found clear right after this thread set them */
	kcpuset_t *lst;
	pthread_barrier_t *start;
};

static void run_workers(struct worker *w, void *(*fn)(void *))
{
	pthread_t tid[NTHREADS];
	pthread_barrier_t start;

	pthread_barrier_init(&start, NULL, NTHREADS);
	for (int t = 0; t < NTHREADS; t++) {
		w[t].t = t;
		w[t].start = &start;
		cr_assert_eq(pthread_create(&tid[t], NULL, fn, &w[t]), 0);
	}
	for (int t = 0; t < NTHREADS; t++)
		pthread_join(tid[t], NULL);
	pthread_barrier_destroy(&start);
	for (int t = 0; t < NTHREADS; t++)
		cr_assert_eq(w[t].lost, 0, "thread %d lost an update", t);
}

/* Every CPU whose number modulo m is r. */
static kcpuset_t *residues(int m, int r)
{
	kcpuset_t *kcp = new_set("");

	for (int c = r; c < NCPU; c += m)
		kcpuset_set(kcp, (cpuid_t)c);
	return kcp;
}

static void *disjoint_worker(void *p)
{
	struct worker *w = p;

	pthread_barrier_wait(w->start);
	for (int round = 0; round < ROUNDS; round++) {
		for (int c = w->t; c < NCPU; c += NTHREADS)
			kcpuset_atomic_set(w->shared, (cpuid_t)c);
		for (int c = w->t; c < NCPU; c += NTHREADS)
			w->lost += kcpuset_isset(w->shared, (cpuid_t)c) != 1;
		for (int c = w->t; c < NCPU; c += NTHREADS)
			if (c % 2 == 1)
				kcpuset_atomic_clear(w->shared, (cpuid_t)c);
	}
	return NULL;
}

Test(atomic, atomic_set_and_clear_on_disjoint_bits_of_shared_words_lose_nothing)
{
	struct worker w[NTHREADS] = {{0}};
	kcpuset_t *shared = new_set("");

	for (int t = 0; t < NTHREADS; t++)
		w[t].shared = shared;
	run_workers(w, disjoint_worker);
	cr_assert(kcpuset_match(shared, residues(2, 0)));
}

static void *same_bits_worker(void *p)
{
	struct worker *w = p;

	pthread_barrier_wait(w->start);
	for (int round = 0; round < ROUNDS; round++)
		for (int c = 0; c < NCPU; c++) {
			if (c % 3 == 0)
				kcpuset_atomic_set(w->shared, (cpuid_t)c);
			else if (c % 3 == 1)
				kcpuset_atomic_clear(w->shared, (cpuid_t)c);
		}
	return NULL;
}

Test(atomic, atomic_set_and_clear_on_the_same_bits_give_the_exact_set)
{
	struct worker w[NTHREADS] = {{0}};
	kcpuset_t *shared = new_set("0-4095"), *expect = residues(3, 0);

	kcpuset_merge(expect, residues(3, 2));
	for (int t = 0; t < NTHREADS; t++)
		w[t].shared = shared;
	run_workers(w, same_bits_worker);
	cr_assert(kcpuset_match(shared, expect));
}

static void *atomicly_worker(void *p)
{
	struct worker *w = p;

	pthread_barrier_wait(w->start);
	for (int round = 0; round < ROUNDS; round++) {
		kcpuset_atomicly_merge(w->shared, w->own);
		kcpuset_atomicly_intersect(w->shared, w->keep);
		kcpuset_atomicly_remove(w->shared, w->rem);
		for (int c = w->t; c < NCPU; c += NTHREADS)
			if (c % 3 == 2)
				w->lost += kcpuset_isset(w->shared, (cpuid_t)c) != 1;
	}
	return NULL;
}

/*
 * Thread t owns the CPUs c with c % 8 == t: it merges them all, intersects away those
 * with c % 3 == 0 and removes those with c % 3 == 1, so only c % 3 == 2 may remain.
 */
Test(atomic, atomicly_merge_intersect_and_remove_from_many_threads_give_the_exact_set)
{
	struct worker w[NTHREADS] = {{0}};
	kcpuset_t *shared = new_set("");

	for (int t = 0; t < NTHREADS; t++) {
		w[t].shared = shared;
		w[t].own = residues(NTHREADS, t);
		w[t].keep = new_set("0-4095");
		w[t].rem = new_set("");
		for (int c = t; c < NCPU; c += NTHREADS) {
			if (c % 3 == 0)
				kcpuset_clear(w[t].keep, (cpuid_t)c);
			if (c % 3 == 1)
				kcpuset_set(w[t].rem, (cpuid_t)c);
		}
	}
	run_workers(w, atomicly_worker);
	cr_assert(kcpuset_match(shared, residues(3, 2)));
}

static void *refcount_worker(void *p)
{
	struct worker *w = p;

	pthread_barrier_wait(w->start);
	for (int i = 0; i < 20000; i++) {
		kcpuset_use(w->shared);
		kcpuset_unuse(w->shared, &w->lst);
		w->lost += w->lst != NULL;
	}
	kcpuset_unuse(w->shared, &w->lst);
	return NULL;
}

Test(atomic, last_of_many_concurrent_unuses_alone_queues_the_set)
{
	struct worker w[NTHREADS] = {{0}};
	kcpuset_t *kcp, *lst = NULL;
	int queued = 0;

	kcpuset_create(&kcp, true);
	cr_assert_not_null(kcp);
	for (int t = 0; t < NTHREADS; t++) {
		kcpuset_use(kcp);
		w[t].shared = kcp;
	}
	kcpuset_unuse(kcp, &lst);
	cr_assert_null(lst);
	run_workers(w, refcount_worker);
	for (int t = 0; t < NTHREADS; t++) {
		if (w[t].lst == NULL)
			continue;
		queued++;
		cr_assert_eq(w[t].lst, kcp);
		kcpuset_destroy(w[t].lst);
	}
	cr_assert_eq(queued, 1);
}
