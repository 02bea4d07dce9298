/*
 * The zpcpu arena: per-CPU allocations in chunks of maxcpu * stride bytes. Each chunk's
 * CPU-0 copy begins with its allocation map, three bitmaps of one bit per 8-byte granule
 * of the stride: used, head (first granule of an allocation) and counter (the allocation
 * is a counter(9)). Everything here runs under the domain lock.
 *
 * Crash safety (the lock is robust): an allocation is marked in the map before it is
 * zeroed and handed out, and a free clears the map after the memory is no longer in use,
 * so a process that dies half-way through either leaves at worst a few leaked granules,
 * never two owners of one granule.
 *
 * The map's words are read without the lock as well, by pcpu_arena_granules() (the
 * thread caches' free path, zpcpu_cache.c): writers, holding the lock, store whole words
 * atomically, so such a reader sees every bit as before or after a change.
 */
#include "domain/domain.h"

#include <errno.h>
#include <string.h>

#include "format/publish.h"

struct chunk_map {
	uint64_t *used, *head, *counter;
	size_t granules; /* per CPU copy: stride / PCPU_GRANULE */
};

struct pcpu_dom_private *pcpu_dom_priv(struct pcpu_domain *d)
{
	return (struct pcpu_dom_private *)d->hdr->writer_private;
}

int pcpu_dom_lock(struct pcpu_domain *d)
{
	pthread_mutex_t *m = &pcpu_dom_priv(d)->lock;
	int err = pthread_mutex_lock(m);

	/* The holder died: by the argument above the state is safe to use as it is. */
	if (err == EOWNERDEAD)
		err = pthread_mutex_consistent(m);
	return err;
}

void pcpu_dom_unlock(struct pcpu_domain *d)
{
	pthread_mutex_unlock(&pcpu_dom_priv(d)->lock);
}

static char *chunk_base(struct pcpu_domain *d, unsigned int k)
{
	return d->base + d->hdr->chunk_off[k];
}

static struct chunk_map chunk_map(struct pcpu_domain *d, unsigned int k)
{
	size_t granules = d->lay.stride / PCPU_GRANULE, words = granules / 64;
	uint64_t *map = (uint64_t *)chunk_base(d, k);

	return (struct chunk_map){map, map + words, map + 2 * words, granules};
}

static int test_bit(const uint64_t *m, size_t i)
{
	return (__atomic_load_n(&m[i / 64], __ATOMIC_RELAXED) >> (i % 64)) & 1;
}

/* Under the lock: the only writer, so the load and the store need not be one RMW. */
static void put_bit(uint64_t *m, size_t i, int v)
{
	uint64_t w = __atomic_load_n(&m[i / 64], __ATOMIC_RELAXED), b = 1ull << (i % 64);

	__atomic_store_n(&m[i / 64], v ? w | b : w & ~b, __ATOMIC_RELAXED);
}

/* Marks granules [i, i + n) as one allocation (kind ZPCPU or COUNTER), or frees them. */
static void mark(struct chunk_map *m, size_t i, size_t n, int kind)
{
	for (size_t j = 0; j < n; j++) {
		put_bit(m->used, i + j, kind != 0);
		put_bit(m->head, i + j, kind != 0 && j == 0);
		put_bit(m->counter, i + j, kind == PCPU_SYM_COUNTER && j == 0);
	}
}

void pcpu_arena_init_chunk(struct pcpu_domain *d, unsigned int k)
{
	struct chunk_map m = chunk_map(d, k);

	memset(m.used, 0, d->lay.map_len);
	mark(&m, 0, d->lay.map_len / PCPU_GRANULE, PCPU_SYM_ZPCPU);
}

/* First fit of n granules aligned to a granules; the index, or granules when none.
 * Whole words in use (the map itself, the DPCPU reserve) are skipped at once. */
static size_t find_run(const struct chunk_map *m, size_t n, size_t a)
{
	for (size_t i = 0; i + n <= m->granules;) {
		size_t j = 0;

		if (i % 64 == 0 &&
		    __atomic_load_n(&m->used[i / 64], __ATOMIC_RELAXED) == UINT64_MAX) {
			i += 64;
			continue;
		}
		while (j < n && !test_bit(m->used, i + j))
			j++;
		if (j == n)
			return i;
		i = (i + j + a) / a * a;
	}
	return m->granules;
}

/* Appends chunk nchunks, published by pcpu_pub_grow (format/publish.h). */
static int grow(struct pcpu_domain *d)
{
	struct pcpu_dom_header *h = d->hdr;
	unsigned int k = h->nchunks;
	size_t end;
	int err;

	if (k >= PCPU_DOM_MAX_CHUNKS)
		return ENOMEM;
	end = pcpu_chunk_off(&d->lay, k + 1);
	err = pcpu_domain_extend(d, h->file_size, end);
	if (err != 0)
		return err;
	h->chunk_off[k] = pcpu_chunk_off(&d->lay, k);
	pcpu_arena_init_chunk(d, k);
	pcpu_pub_grow(h, end, k + 1);
	return 0;
}

void *pcpu_arena_take_locked(struct pcpu_domain *d, size_t size, int kind)
{
	size_t n = (size + PCPU_GRANULE - 1) / PCPU_GRANULE, a = n >= 8 ? 8 : n >= 2 ? 2 : 1;
	int err;

	if (size == 0 || size > d->lay.stride - d->lay.map_len) {
		errno = size == 0 ? EINVAL : ENOMEM;
		return NULL;
	}
	for (unsigned int k = 0;; k++) {
		if (k == d->hdr->nchunks && (err = grow(d)) != 0) {
			errno = err;
			return NULL;
		}
		struct chunk_map m = chunk_map(d, k);
		size_t i = find_run(&m, n, a);

		if (i == m.granules)
			continue;
		mark(&m, i, n, kind);
		return chunk_base(d, k) + i * PCPU_GRANULE;
	}
}

static void zero(struct pcpu_domain *d, void *base, size_t size)
{
	for (unsigned int c = 0; c < d->lay.maxcpu; c++)
		memset((char *)base + (size_t)c * d->lay.stride, 0, size);
}

void *pcpu_arena_alloc_locked(struct pcpu_domain *d, size_t size, int kind)
{
	void *base = pcpu_arena_take_locked(d, size, kind);

	if (base != NULL)
		zero(d, base, size);
	return base;
}

void *pcpu_arena_alloc(struct pcpu_domain *d, size_t size, int kind)
{
	void *p;
	int err = pcpu_dom_lock(d);

	if (err != 0) {
		errno = err;
		return NULL;
	}
	p = pcpu_arena_alloc_locked(d, size, kind);
	pcpu_dom_unlock(d);
	return p;
}

/* The chunk whose CPU-0 copy holds addr, and the granule there; -1 when none. nchunks
 * with acquire: a chunk's offset and map were written before pcpu_pub_grow raised it. */
static int locate(struct pcpu_domain *d, const void *addr, size_t *granule)
{
	uintptr_t a = (uintptr_t)addr;
	uint32_t nchunks = __atomic_load_n(&d->hdr->nchunks, __ATOMIC_ACQUIRE);

	for (unsigned int k = 0; k < nchunks; k++) {
		uintptr_t lo = (uintptr_t)chunk_base(d, k);

		if (a >= lo && a < lo + d->lay.stride && (a - lo) % PCPU_GRANULE == 0) {
			*granule = (a - lo) / PCPU_GRANULE;
			return (int)k;
		}
	}
	return -1;
}

static size_t run_length(const struct chunk_map *m, size_t i)
{
	size_t n = 1;

	while (i + n < m->granules && test_bit(m->used, i + n) && !test_bit(m->head, i + n))
		n++;
	return n;
}

/* The allocation that starts at addr: its chunk and granule, or -1. */
static int find_head(struct pcpu_domain *d, const void *addr, size_t *granule)
{
	int k = locate(d, addr, granule);

	if (k < 0 || *granule < d->lay.map_len / PCPU_GRANULE)
		return -1;
	return test_bit(chunk_map(d, (unsigned int)k).head, *granule) ? k : -1;
}

size_t pcpu_arena_granules(struct pcpu_domain *d, const void *base, size_t max)
{
	size_t i, n = 1;
	int k = (uintptr_t)base == d->hdr->dpcpu_addr ? -1 : locate(d, base, &i);

	if (k < 0 || i < d->lay.map_len / PCPU_GRANULE)
		return 0;
	struct chunk_map m = chunk_map(d, (unsigned int)k);
	if (!test_bit(m.head, i) || test_bit(m.counter, i))
		return 0;
	while (n <= max && i + n < m.granules && test_bit(m.used, i + n) &&
	       !test_bit(m.head, i + n))
		n++;
	return n <= max ? n : 0;
}

int pcpu_arena_holds(struct pcpu_domain *d, uint64_t addr)
{
	uint32_t nchunks = __atomic_load_n(&d->hdr->nchunks, __ATOMIC_ACQUIRE);

	for (unsigned int k = 0; k < nchunks; k++) {
		uint64_t lo = (uintptr_t)chunk_base(d, k), span = (uint64_t)d->lay.chunk_len;

		if (addr >= lo && addr - lo < span) {
			uint64_t a0 = lo + (addr - lo) % d->lay.stride, r = d->hdr->dpcpu_addr;

			return a0 < r || a0 - r >= PCPU_DPCPU_RESERVE;
		}
	}
	return 0;
}

int pcpu_arena_lookup(struct pcpu_domain *d, const void *addr, size_t *size)
{
	size_t i;
	int k = find_head(d, addr, &i);

	if (k < 0)
		return 0;
	struct chunk_map m = chunk_map(d, (unsigned int)k);
	*size = run_length(&m, i) * PCPU_GRANULE;
	return test_bit(m.counter, i) ? PCPU_SYM_COUNTER : PCPU_SYM_ZPCPU;
}

int pcpu_arena_free_locked(struct pcpu_domain *d, void *base, int kind)
{
	size_t i, n;
	int k = (uintptr_t)base == d->hdr->dpcpu_addr ? -1 : find_head(d, base, &i);

	if (k >= 0 &&
	    test_bit(chunk_map(d, (unsigned int)k).counter, i) != (kind == PCPU_SYM_COUNTER))
		k = -1;
	if (k < 0)
		return EINVAL;
	struct chunk_map m = chunk_map(d, (unsigned int)k);
	n = run_length(&m, i);
	pcpu_sym_drop_range_locked(d, (uintptr_t)base, (uintptr_t)base + n * PCPU_GRANULE);
	mark(&m, i, n, 0);
	return 0;
}

int pcpu_arena_free(struct pcpu_domain *d, void *base, int kind)
{
	int err = pcpu_dom_lock(d);

	if (err != 0)
		return err;
	err = pcpu_arena_free_locked(d, base, kind);
	pcpu_dom_unlock(d);
	return err;
}
