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

#include <sched.h>
#include <stddef.h>
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
 * 4. An entry below sym_count changes (reused, or tombstoned): a sequence lock in seq,
 * without fences (ThreadSanitizer has none). The writer makes seq odd, stores the
 * entry's words with release, then makes seq even with release (pcpu_sym_rewrite). The
 * reader loads seq with acquire (odd: a rewrite is under way), the words with acquire,
 * then seq again (pcpu_sym_read): a word stored by a rewrite is released after that
 * rewrite's odd seq, so a reader that loaded it (acquire) then loads an odd or newer seq
 * and copies again. A file of a writer that predates seq keeps it 0: the kind, loaded
 * before and after the copy, is then all that tells a rewrite.
 */
#define PCPU_SYM_WORDS (offsetof(struct pcpu_dom_sym, seq) / 8) /* all but seq */

static inline void pcpu_seq_rewrite(uint64_t *seqp, uint64_t *dst, const uint64_t *src,
				    size_t words)
{
	uint64_t seq = *seqp; /* only the writer, under its lock, stores seq */

	__atomic_store_n(seqp, seq + 1, __ATOMIC_RELAXED);
	for (size_t i = 0; i < words; i++)
		__atomic_store_n(&dst[i], src[i], __ATOMIC_RELEASE);
	__atomic_store_n(seqp, seq + 2, __ATOMIC_RELEASE);
}

/*
 * A reader that meets a rewrite copies again: a writer rewrites an entry in a few hundred
 * nanoseconds under its lock, so at first it spins; then it yields, so that a writer
 * preempted inside a rewrite (on this CPU, or on a busy machine) can finish it; and after
 * PCPU_SEQ_TRIES it gives up (EAGAIN) rather than wait without bound, for a writer that
 * died inside a rewrite never finishes it.
 */
#define PCPU_SEQ_SPINS 100
#define PCPU_SEQ_TRIES 2000

static inline void pcpu_seq_backoff(int attempt)
{
	if (attempt >= PCPU_SEQ_SPINS)
		sched_yield();
}

static inline void pcpu_seq_copy(uint64_t *dst, const uint64_t *src, size_t words)
{
	for (size_t i = 0; i < words; i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_ACQUIRE);
}

static inline void pcpu_sym_rewrite(struct pcpu_dom_sym *s, const struct pcpu_dom_sym *v)
{
	pcpu_seq_rewrite(&s->seq, (uint64_t *)(void *)s, (const uint64_t *)(const void *)v,
			 PCPU_SYM_WORDS);
}

/* Copies *s into *out: 0, or -1 when a rewrite may have torn the copy (copy again). */
static inline int pcpu_sym_read(const struct pcpu_dom_sym *s, struct pcpu_dom_sym *out)
{
	uint64_t seq = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
	uint32_t kind = __atomic_load_n(&s->kind, __ATOMIC_ACQUIRE);

	pcpu_seq_copy((uint64_t *)(void *)out, (const uint64_t *)(const void *)s, PCPU_SYM_WORDS);
	out->seq = seq;
	return (seq & 1) != 0 || __atomic_load_n(&s->seq, __ATOMIC_RELAXED) != seq ||
			       out->kind != kind
		       ? -1
		       : 0;
}

/*
 * 5. A metadata entry (since 2.1) is written, at any time, under the same sequence lock
 * as 4, whether or not its symbol is below sym_count yet (pcpu_meta_rewrite pairs with
 * pcpu_meta_read). A writer that describes a symbol as it adds it writes the entry
 * first, naming the seq the symbol entry will have, and then publishes the symbol (3 or
 * 4): a reader that sees the symbol sees its metadata. Every 2.1 writer stores seq, so
 * seq alone tells a rewrite.
 */
#define PCPU_META_WORDS (offsetof(struct pcpu_dom_meta, seq) / 8) /* all but seq */

static inline void pcpu_meta_rewrite(struct pcpu_dom_meta *m, const struct pcpu_dom_meta *v)
{
	pcpu_seq_rewrite(&m->seq, (uint64_t *)(void *)m, (const uint64_t *)(const void *)v,
			 PCPU_META_WORDS);
}

/* Copies *m into *out: 0, or -1 when a rewrite may have torn the copy (copy again). */
static inline int pcpu_meta_read(const struct pcpu_dom_meta *m, struct pcpu_dom_meta *out)
{
	uint64_t seq = __atomic_load_n(&m->seq, __ATOMIC_ACQUIRE);

	pcpu_seq_copy((uint64_t *)(void *)out, (const uint64_t *)(const void *)m, PCPU_META_WORDS);
	out->seq = seq;
	return (seq & 1) != 0 || __atomic_load_n(&m->seq, __ATOMIC_RELAXED) != seq ? -1 : 0;
}

#endif
