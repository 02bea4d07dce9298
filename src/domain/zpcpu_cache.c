/*
 * Per-thread caches of small zpcpu allocations (1 to ZC_CLASSES granules), so that most
 * zpcpu_alloc/zpcpu_free pairs take no domain lock: a class that runs empty is refilled
 * with ZC_BATCH allocations in one locked pass, and one that overflows gives ZC_BATCH back
 * in one.
 *
 * The domain's view: a cached allocation is an allocation (used in the map, with its head
 * bit), so no other thread or process can get it. A thread's cache is given back when
 * the thread exits and, for the thread that calls exit(), before the process leaves the
 * domain. A process that dies otherwise (a signal, _exit) leaves what its threads had
 * cached counted as in use until the domain is removed: at most ZC_CLASSES * ZC_CAP
 * allocations per thread, as the map argument of arena.c requires (never two owners).
 *
 * A forked child starts with no cache: its parent's cached allocations stay its parent's.
 *
 * A free takes the cache only when nothing the domain's symbol table holds can name the
 * inside of a zpcpu allocation (zpcpu_syms, symtab.c): with such a symbol every free
 * takes the lock and drops the symbols it covers, as before. A cached allocation is
 * tagged (its CPU-0 copy's first word) so that freeing it again is refused, and is
 * zeroed on every CPU when it is handed out again.
 */
#include "domain/zpcpu_cache.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "format/domain_format.h"

enum { ZC_CLASSES = 8, ZC_CAP = 32, ZC_BATCH = 16 };

struct zcache {
	struct pcpu_domain *d;
	const uint32_t *syms; /* the domain's zpcpu_syms */
	unsigned int n[ZC_CLASSES];
	void *blk[ZC_CLASSES][ZC_CAP];
};

/* initial-exec: one word of static TLS (as the rseq areas, src/arch/percpu.c), read on
 * every call; the key only gives the cache back at thread exit. */
static __thread struct zcache *zc_mine __attribute__((tls_model("initial-exec")));
static pthread_key_t zc_key;
static pthread_once_t zc_once = PTHREAD_ONCE_INIT;
static int zc_ok;

/* What marks a cached allocation: its address folded with a constant, which a live
 * allocation's first word holds only by an unlikely coincidence. */
static uint64_t tag_of(const void *base)
{
	return (uint64_t)(uintptr_t)base ^ 0x7a70637563616368ull;
}

/* Gives back the last count allocations of class c. A lock that cannot be had keeps
 * them cached (counted as in use, see above). */
static void give_back(struct zcache *z, unsigned int c, unsigned int count)
{
	if (pcpu_dom_lock(z->d) != 0)
		return;
	for (; count > 0; count--)
		pcpu_arena_free_locked(z->d, z->blk[c][--z->n[c]], PCPU_SYM_ZPCPU);
	pcpu_dom_unlock(z->d);
}

static void drain(struct zcache *z)
{
	for (unsigned int c = 0; c < ZC_CLASSES; c++)
		if (z->n[c] > 0)
			give_back(z, c, z->n[c]);
}

static void drain_at_thread_exit(void *p)
{
	drain(p);
	free(p);
}

/* Runs before the domain's own atexit handler (registered earlier), which may remove
 * the domain. */
static void drain_at_exit(void)
{
	if (zc_mine != NULL)
		drain(zc_mine);
}

/* The parent's cache is the parent's: the child forgets it without giving it back. */
static void forget_in_child(void)
{
	free(zc_mine);
	zc_mine = NULL;
	pthread_setspecific(zc_key, NULL);
}

static void zc_init(void)
{
	zc_ok = pthread_key_create(&zc_key, drain_at_thread_exit) == 0 &&
		atexit(drain_at_exit) == 0 && pthread_atfork(NULL, NULL, forget_in_child) == 0;
}

static struct zcache *mine(struct pcpu_domain *d)
{
	struct zcache *z = zc_mine;

	if (__builtin_expect(z != NULL, 1))
		return z;
	pthread_once(&zc_once, zc_init);
	if (!zc_ok || (z = calloc(1, sizeof(*z))) == NULL)
		return NULL;
	z->d = d;
	z->syms = &pcpu_dom_priv(d)->zpcpu_syms;
	if (pthread_setspecific(zc_key, z) != 0) {
		free(z);
		return NULL;
	}
	return zc_mine = z;
}

/* Up to ZC_BATCH new allocations of class c in one locked pass; 0, or the errno of the
 * first that failed when none was made. */
static int refill(struct zcache *z, unsigned int c)
{
	int err = pcpu_dom_lock(z->d);

	if (err != 0)
		return err;
	while (z->n[c] < ZC_BATCH) {
		void *p = pcpu_arena_take_locked(z->d, (c + 1) * PCPU_GRANULE, PCPU_SYM_ZPCPU);

		if (p == NULL) {
			err = errno;
			break;
		}
		z->blk[c][z->n[c]++] = p;
	}
	pcpu_dom_unlock(z->d);
	return z->n[c] > 0 ? 0 : err;
}

/* This thread's cache, or NULL with *d the domain (NULL with errno when none). The
 * domain of a thread that has a cache is that cache's: the process has one domain. */
static struct zcache *cache_and_domain(struct pcpu_domain **d)
{
	struct zcache *z = zc_mine;

	if (__builtin_expect(z != NULL, 1)) {
		*d = z->d;
		return z;
	}
	*d = pcpu_domain_get();
	return *d != NULL ? mine(*d) : NULL;
}

/* Every CPU's copy of a block of granules, word by word: a few stores, where memset
 * (or the rep stos gcc makes of a plain loop) costs tens of cycles to start per CPU.
 * Whole-word stores also keep a reader in another process from seeing a torn value. */
static void zero_block(const struct pcpu_domain *d, void *p, unsigned int granules)
{
	for (unsigned int c = 0; c < d->lay.maxcpu; c++) {
		uint64_t *w = (uint64_t *)((char *)p + (size_t)c * d->lay.stride);

		for (unsigned int g = 0; g < granules; g++)
			__atomic_store_n(&w[g], 0, __ATOMIC_RELAXED);
	}
}

void *pcpu_zcache_alloc(size_t size)
{
	struct pcpu_domain *d;
	struct zcache *z = cache_and_domain(&d);
	unsigned int c = (unsigned int)((size + PCPU_GRANULE - 1) / PCPU_GRANULE) - 1;
	int err;

	if (d == NULL)
		return NULL;
	if (size == 0 || c >= ZC_CLASSES || z == NULL)
		return pcpu_arena_alloc(d, size, PCPU_SYM_ZPCPU);
	if (z->n[c] == 0 && (err = refill(z, c)) != 0)
		return errno = err, NULL;
	void *p = z->blk[c][--z->n[c]];
	zero_block(d, p, c + 1);
	return p;
}

int pcpu_zcache_free(void *base)
{
	struct pcpu_domain *d;
	struct zcache *z = cache_and_domain(&d);
	size_t n;

	if (d == NULL)
		return 0;
	if (z == NULL || __atomic_load_n(z->syms, __ATOMIC_RELAXED) != 0 ||
	    (n = pcpu_arena_granules(d, base, ZC_CLASSES)) == 0)
		return pcpu_arena_free(d, base, PCPU_SYM_ZPCPU);
	if (*(uint64_t *)base == tag_of(base))
		return EINVAL;
	unsigned int c = (unsigned int)n - 1;
	if (z->n[c] == ZC_CAP)
		give_back(z, c, ZC_BATCH);
	if (z->n[c] == ZC_CAP)
		return pcpu_arena_free(d, base, PCPU_SYM_ZPCPU);
	*(uint64_t *)base = tag_of(base);
	z->blk[c][z->n[c]++] = base;
	return 0;
}
