/*
 * zpcpu(3)'s per-thread caches: what a thread or process had cached goes back to the
 * domain when it exits, stays in use when it is killed, is never a forked child's, is
 * zeroed on every CPU when handed out again, and a named block still loses its name.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include <pcpu/pcpu.h>
#include <pcpu/zpcpu.h>

#include "common/testutil.h"
#include "domain/domtest.h"

enum { BATCH = 16 }; /* ZC_BATCH: what a refill takes, the lowest free blocks first */

static void setup(void)
{
	domtest_use_private_path();
	/* The domain exists before any test forks; 16-byte blocks leave the 8-byte class
	 * untouched in this process. */
	cr_assert_not_null(zpcpu_alloc(16));
}

TestSuite(zpcpu_cache, .init = setup, .fini = domtest_cleanup);

/* Whether x is among the next n 8-byte blocks this process is given. */
static int handed_out_among(void *x, int n)
{
	int found = 0;

	for (int i = 0; i < n; i++)
		found |= zpcpu_alloc(8) == x;
	return found;
}

static void *alloc_free_one(void *arg)
{
	void **out = arg;

	*out = zpcpu_alloc(8);
	zpcpu_free(*out);
	return NULL;
}

static void **shared_word(void)
{
	void **w = mmap(NULL, sizeof(void *), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			-1, 0);

	cr_assert_neq(w, MAP_FAILED);
	return w;
}

Test(zpcpu_cache, a_thread_gives_its_cache_back_when_it_exits)
{
	pthread_t t;
	void *x = NULL;

	pthread_create(&t, NULL, alloc_free_one, &x);
	pthread_join(t, NULL);
	cr_assert_not_null(x);
	cr_assert(handed_out_among(x, BATCH), "the thread's %d blocks are free again", BATCH);
}

Test(zpcpu_cache, a_process_that_exits_gives_its_cache_back)
{
	void **x = shared_word();
	pid_t pid = fork();

	if (pid == 0) {
		alloc_free_one(x);
		exit(0);
	}
	cr_assert_eq(test_wait_exit(pid), 0);
	cr_assert_not_null(*x);
	cr_assert(handed_out_among(*x, BATCH));
}

Test(zpcpu_cache, a_killed_processs_cache_stays_in_use_until_the_domain_goes)
{
	void **x = shared_word();
	pid_t pid = fork();

	if (pid == 0) {
		alloc_free_one(x);
		raise(SIGKILL);
	}
	cr_assert_eq(test_wait_exit(pid), 128 + SIGKILL);
	cr_assert_not_null(*x);
	cr_assert_not(handed_out_among(*x, 20 * BATCH), "never a second owner");
}

Test(zpcpu_cache, a_forked_child_never_gets_its_parents_cached_blocks)
{
	enum { N = 4 * BATCH };
	void **got = mmap(NULL, N * sizeof(void *), PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	void *x;
	pid_t pid;

	alloc_free_one(&x);
	pid = fork();
	if (pid == 0) {
		for (int i = 0; i < N; i++)
			got[i] = zpcpu_alloc(8);
		_exit(0);
	}
	cr_assert_eq(test_wait_exit(pid), 0);
	for (int i = 0; i < N; i++) {
		cr_assert_not_null(got[i]);
		cr_assert_neq(got[i], x, "block %d is in the parent's cache", i);
	}
	cr_assert_eq(zpcpu_alloc(8), x, "the parent's cache still has it");
}

Test(zpcpu_cache, a_cached_block_is_zero_on_every_cpu_when_handed_out)
{
	uint64_t *a = zpcpu_alloc(8);

	for (unsigned int c = 0; c <= mp_maxid; c++)
		*(uint64_t *)zpcpu_get_cpu(a, c) = ~0ull;
	zpcpu_free(a);
	cr_assert_eq(zpcpu_alloc(8), a);
	for (unsigned int c = 0; c <= mp_maxid; c++)
		cr_assert_eq(*(uint64_t *)zpcpu_get_cpu(a, c), 0u, "CPU %u", c);
}

Test(zpcpu_cache, a_named_block_loses_its_name_and_a_live_name_makes_frees_take_the_lock)
{
	size_t len;
	void *p = zpcpu_alloc(8), *q;

	cr_assert_eq(pcpu_register("zc_named", p, 8), 0);
	zpcpu_free(p);
	cr_assert_null(domtest_sym(domtest_map(getenv("PCPU_DOMAIN"), &len), "zc_named"));
	q = zpcpu_alloc(8);
	zpcpu_free(q);
	cr_assert_eq(zpcpu_alloc(8), q, "no name left: the free went to the cache");
	cr_assert_eq(pcpu_register("zc_named", zpcpu_alloc(16), 16), 0, "the name is free");
	q = zpcpu_alloc(8);
	zpcpu_free(q);
	cr_assert_neq(zpcpu_alloc(8), q, "a live name into zpcpu memory: the free took the lock");
}
