/* zpcpu(3): zeroed per-CPU allocations at base + cpu * stride, reuse, growth, sharing. */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <pcpu/counter.h>
#include <pcpu/pcpu.h>
#include <pcpu/zpcpu.h>

#include "common/testutil.h"
#include "domain/domain.h"
#include "domain/domtest.h"

static void setup(void)
{
	domtest_use_private_path();
}

TestSuite(zpcpu, .init = setup, .fini = domtest_cleanup);

Test(zpcpu, copies_are_a_stride_apart_and_zeroed)
{
	char *p = zpcpu_alloc(100);

	cr_assert_not_null(p);
	cr_assert_eq(zpcpu_stride(), 16384u);
	for (unsigned int c = 0; c <= mp_maxid; c++) {
		char *copy = zpcpu_get_cpu(p, c);
		cr_assert_eq(copy, p + (size_t)c * zpcpu_stride());
		for (int i = 0; i < 100; i++)
			cr_assert_eq(copy[i], 0);
	}
	cr_assert_eq((uintptr_t)p % 64, 0u, "100 bytes get 64-byte alignment");
}

/* What the inline adds multiply by: the stride in the word of the offset, and again whole
 * in pcpu_percpu_stride_word for the x86_64 section, once the domain exists. */
Test(zpcpu, the_adds_read_the_domains_stride)
{
	cr_assert_not_null(zpcpu_alloc(8));
	cr_assert_eq(pcpu_percpu_stride(pcpu_percpu_hot), zpcpu_stride());
	cr_assert_eq(pcpu_percpu_stride_word, zpcpu_stride());
}

Test(zpcpu, get_returns_the_current_cpus_copy)
{
	char *p = zpcpu_alloc(8);
	char *mine = zpcpu_get(p);

	cr_assert_eq((size_t)(mine - p) % zpcpu_stride(), 0u);
	cr_assert_leq((unsigned int)((size_t)(mine - p) / zpcpu_stride()), mp_maxid);
}

Test(zpcpu, get_cpu_beyond_maxid_fails)
{
	char *p = zpcpu_alloc(8);

	cr_assert_null(zpcpu_get_cpu(p, mp_maxid + 1));
	cr_assert_eq(errno, EINVAL);
}

Test(zpcpu, freed_space_is_reused_zeroed)
{
	uint64_t *a = zpcpu_alloc(64), *b;

	for (unsigned int c = 0; c <= mp_maxid; c++)
		*(uint64_t *)zpcpu_get_cpu(a, c) = 0xdeadbeef;
	zpcpu_free(a);
	b = zpcpu_alloc(64);
	cr_assert_eq(b, a, "first fit takes the freed block");
	for (unsigned int c = 0; c <= mp_maxid; c++)
		cr_assert_eq(*(uint64_t *)zpcpu_get_cpu(b, c), 0u);
}

Test(zpcpu, bad_sizes_and_frees_are_refused)
{
	char *p = zpcpu_alloc(16);

	errno = 0;
	cr_assert_null(zpcpu_alloc(0));
	cr_assert_eq(errno, EINVAL);
	cr_assert_null(zpcpu_alloc(zpcpu_stride()));
	cr_assert_eq(errno, ENOMEM);
	errno = 0;
	zpcpu_free(p + 8);
	cr_assert_eq(errno, EINVAL, "not the start of an allocation");
	zpcpu_free(p);
	errno = 0;
	zpcpu_free(p);
	cr_assert_eq(errno, EINVAL, "double free");
	zpcpu_free(&errno);
	cr_assert_eq(errno, EINVAL, "not in the domain");
	errno = 0;
	zpcpu_free(counter_u64_alloc(M_WAITOK));
	cr_assert_eq(errno, EINVAL, "a counter is freed with counter_u64_free");
}

Test(zpcpu, arena_grows_without_moving_live_allocations)
{
	enum { N = 5000 }; /* 40 KB per CPU: more than two 16 KiB chunks */
	uint64_t **p = calloc(N, sizeof(*p));

	for (int i = 0; i < N; i++) {
		p[i] = zpcpu_alloc(8);
		cr_assert_not_null(p[i], "allocation %d", i);
		*(uint64_t *)zpcpu_get_cpu(p[i], mp_maxid) = (uint64_t)i;
	}
	for (int i = 0; i < N; i++)
		cr_assert_eq(*(uint64_t *)zpcpu_get_cpu(p[i], mp_maxid), (uint64_t)i);
	size_t len;
	const struct pcpu_dom_header *h = domtest_map(getenv("PCPU_DOMAIN"), &len);
	cr_assert_geq(h->nchunks, 3u);
	cr_assert_leq(h->file_size, len);
	cr_assert_eq(h->file_size, h->chunk_off[h->nchunks - 1] + (uint64_t)h->maxcpu * h->stride);
	free(p);
}

Test(zpcpu, arena_full_fails_with_enomem)
{
	void *p;
	int n = 0;

	while ((p = zpcpu_alloc(zpcpu_stride() / 2)) != NULL)
		n++;
	cr_assert_eq(errno, ENOMEM);
	cr_assert_eq(n, PCPU_DOM_MAX_CHUNKS, "one large allocation per chunk");
}

static void *alloc_many(void *arg)
{
	uint64_t **out = arg;

	for (int i = 0; i < 500; i++) {
		out[i] = zpcpu_alloc(8);
		if (out[i] != NULL)
			*out[i] = (uint64_t)(uintptr_t)&out[i];
	}
	return NULL;
}

static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;

	return x < y ? -1 : x > y;
}

Test(zpcpu, threads_never_get_the_same_block)
{
	enum { T = 4 };
	pthread_t tid[T];
	uint64_t *out[T * 500];

	for (int t = 0; t < T; t++)
		pthread_create(&tid[t], NULL, alloc_many, &out[t * 500]);
	for (int t = 0; t < T; t++)
		pthread_join(tid[t], NULL);
	for (int i = 0; i < T * 500; i++) {
		cr_assert_not_null(out[i]);
		cr_assert_eq(*out[i], (uint64_t)(uintptr_t)&out[i]);
	}
	qsort(out, T * 500, sizeof(out[0]), cmp_ptr);
	for (int i = 1; i < T * 500; i++)
		cr_assert_neq(out[i], out[i - 1]);
}

Test(zpcpu, growth_in_a_forked_child_is_visible_to_the_parent)
{
	uint64_t **shared = zpcpu_alloc(8);
	pid_t pid = fork();

	if (pid == 0) {
		void *last = NULL;
		for (int i = 0; i < 3000; i++)
			last = zpcpu_alloc(8);
		*(uint64_t *)zpcpu_get_cpu(last, 1 % (mp_maxid + 1)) = 99;
		*shared = last;
		exit(0);
	}
	cr_assert_eq(test_wait_exit(pid), 0);
	cr_assert_not_null(*shared);
	cr_assert_eq(*(uint64_t *)zpcpu_get_cpu(*shared, 1 % (mp_maxid + 1)), 99u);
	cr_assert_neq(zpcpu_alloc(8), *shared, "the child's allocation is not handed out again");
}

Test(zpcpu, lock_survives_a_holder_that_died)
{
	struct pcpu_domain *d = pcpu_domain_get();
	pid_t pid = fork();

	if (pid == 0) {
		pcpu_dom_lock(d);
		_exit(0); /* dies holding the robust lock */
	}
	cr_assert_eq(test_wait_exit(pid), 0);
	cr_assert_not_null(zpcpu_alloc(8));
	cr_assert_not_null(zpcpu_alloc(8));
}

/* Parent and child allocate at the same time, each tagging its blocks: the shared lock
 * must never hand one block to both. */
static void alloc_tagged(uint64_t **out, int n, uint64_t tag)
{
	for (int i = 0; i < n; i++) {
		out[i] = zpcpu_alloc(8);
		if (out[i] != NULL)
			*out[i] = tag;
	}
}

Test(zpcpu, processes_never_get_the_same_block)
{
	enum { N = 1500 };
	uint64_t **child = mmap(NULL, N * sizeof(*child), PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	uint64_t *mine[N];
	pid_t pid;

	cr_assert_not_null(zpcpu_alloc(8), "the domain exists before the fork");
	pid = fork();
	if (pid == 0) {
		alloc_tagged(child, N, 2);
		_exit(0);
	}
	alloc_tagged(mine, N, 1);
	cr_assert_eq(test_wait_exit(pid), 0);
	for (int i = 0; i < N; i++) {
		cr_assert_not_null(mine[i]);
		cr_assert_not_null(child[i]);
		cr_assert_eq(*mine[i], 1u);
		cr_assert_eq(*child[i], 2u);
	}
}
