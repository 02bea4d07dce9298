/*
 * Every publication of the domain format, both halves side by side (doc/domain-format.md,
 * "Readers and writers"). A writer completes what it publishes, then stores the word that
 * publishes it with release; a reader loads that word with acquire before it reads what
 * the word covers. Each writer half below names the reader half its release pairs with.
 *
 * The writer halves run in the writing process under the domain lock; the reader halves
 * in any process, on a read-only mapping, between kvm_guard_arm and its disarm.
 */
#ifndef PCPU_FORMAT_PUBLISH_H
#define PCPU_FORMAT_PUBLISH_H

#include <stdint.h>

#include "format/domain_format.h"

/*
 * 1. The header is ready. The writer fills the header, the struct pcpu table and chunk 0,
 * then stores ready with release (pairs with pcpu_obs_ready). A reader loads ready with
 * acquire FIRST and copies the header only after it saw PCPU_DOM_READY: fields copied
 * before that load could predate the writer's stores, whatever ready said later.
 */
static inline void pcpu_pub_ready(struct pcpu_dom_header *h)
{
	__atomic_store_n(&h->ready, PCPU_DOM_READY, __ATOMIC_RELEASE);
}

static inline int pcpu_obs_ready(const struct pcpu_dom_header *h)
{
	return __atomic_load_n(&h->ready, __ATOMIC_ACQUIRE) == PCPU_DOM_READY;
}

/*
 * 2. Growth. The writer extends the file, fills chunk_off[k] and the chunk, stores
 * file_size with release, then nchunks = k + 1 with release (pairs with
 * pcpu_obs_growth). The reader loads nchunks first, then file_size, both with acquire:
 * seeing the new nchunks, it sees the file_size stored before it, which covers every
 * chunk counted. (Loaded the other way round, an old file_size could meet a new count.)
 */
static inline void pcpu_pub_grow(struct pcpu_dom_header *h, uint64_t file_size, uint32_t nchunks)
{
	__atomic_store_n(&h->file_size, file_size, __ATOMIC_RELEASE);
	__atomic_store_n(&h->nchunks, nchunks, __ATOMIC_RELEASE);
}

static inline void pcpu_obs_growth(const struct pcpu_dom_header *h, uint64_t *file_size,
				   uint32_t *nchunks)
{
	*nchunks = __atomic_load_n(&h->nchunks, __ATOMIC_ACQUIRE);
	*file_size = __atomic_load_n(&h->file_size, __ATOMIC_ACQUIRE);
}

/*
 * 3. A new symbol entry. The writer fills entry n, which no reader reads yet, then stores
 * sym_count = n + 1 with release (pairs with pcpu_obs_sym_count); the reader loads
 * sym_count with acquire before it copies entries below it.
 */
static inline void pcpu_pub_sym_count(struct pcpu_dom_header *h, uint32_t count)
{
	__atomic_store_n(&h->sym_count, count, __ATOMIC_RELEASE);
}

static inline uint32_t pcpu_obs_sym_count(const struct pcpu_dom_header *h)
{
	return __atomic_load_n(&h->sym_count, __ATOMIC_ACQUIRE);
}

/*
 * 4. An entry below sym_count changes (reused, or tombstoned): a sequence lock in seq.
 * The writer makes seq odd, then a release fence, then rewrites the entry, then makes
 * seq even again with release (pcpu_sym_write_begin/end). The reader loads seq with
 * acquire (odd: a rewrite is under way), copies the entry, then an acquire fence and
 * seq again (pcpu_sym_read_begin/retry): the fence pairs with the writer's release
 * fence, so a copy that met any store of a rewrite sees seq changed, and is retried.
 * A file of a writer that predates seq keeps it 0: the reader then still acquires the
 * kind before the copy and rechecks it after.
 */
static inline void pcpu_sym_write_begin(struct pcpu_dom_sym *s)
{
	__atomic_store_n(&s->seq, s->seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static inline void pcpu_sym_write_end(struct pcpu_dom_sym *s, uint32_t kind)
{
	__atomic_store_n(&s->kind, kind, __ATOMIC_RELAXED);
	__atomic_store_n(&s->seq, s->seq + 1, __ATOMIC_RELEASE);
}

/* The seq a copy starts from, and the kind seen with it; odd means retry now. */
static inline uint64_t pcpu_sym_read_begin(const struct pcpu_dom_sym *s, uint32_t *kind)
{
	uint64_t seq = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);

	*kind = __atomic_load_n(&s->kind, __ATOMIC_ACQUIRE);
	return seq;
}

/* Whether the copy made since pcpu_sym_read_begin returned seq (and kind) may be torn. */
static inline int pcpu_sym_read_retry(const struct pcpu_dom_sym *s, uint64_t seq, uint32_t kind)
{
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return (seq & 1) != 0 || __atomic_load_n(&s->seq, __ATOMIC_RELAXED) != seq ||
	       __atomic_load_n(&s->kind, __ATOMIC_RELAXED) != kind;
}

#endif
