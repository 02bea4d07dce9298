/*
 * <pcpu/histogram.h> -- per-CPU histograms with fixed bucket bounds, exported as
 * Prometheus histograms. See pcpu_histogram(3).
 *
 * A histogram is a zpcpu allocation of nbounds + 1 cells, one per bucket: bucket
 * 0 .. nbounds-1 counts the observations v <= bounds[i] (and > bounds[i-1]), bucket
 * nbounds the rest (+Inf). A cell is, per CPU, 32 bytes, 16-byte aligned: the bucket's
 * count and the sum of its values, which only that CPU's critical sections add to, then
 * the adjustment of each, which only atomic instructions write, as a counter(9)'s
 * (doc/domain-format.md). The histogram's count and sum are the totals over its cells.
 * pcpu_histogram_observe() finds the bucket in the caller's tables and adds 1 and v to
 * the cell's two words in one rseq section: no lock, no atomic on the rseq path. Readers
 * in other processes use kvm_histogram_fetch(3).
 */
#ifndef PCPU_HISTOGRAM_H
#define PCPU_HISTOGRAM_H

#include <stddef.h>
#include <stdint.h>

#include <pcpu/counter.h>
#include <pcpu/export.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PCPU_HISTOGRAM_BOUNDS_MAX 28 /* finite upper bounds; the +Inf bucket is implicit */
#define PCPU_HISTOGRAM_SEARCH 32     /* entries of ph_search: a power of two above the max */
#define PCPU_HISTOGRAM_CELL 4	     /* uint64_t per CPU of a bucket's cell */
#define PCPU_HISTOGRAM_OCTAVES 64    /* octaves of a uint64_t value (below) */
#define PCPU_HISTOGRAM_CLASS_BITS 3  /* an octave holding two bounds or more is cut in 8 */
#define PCPU_HISTOGRAM_CLASSES (PCPU_HISTOGRAM_BOUNDS_MAX / 2 << PCPU_HISTOGRAM_CLASS_BITS)

struct pcpu_metric;

/*
 * The handle, in this process's memory (a forked child inherits it). Its fields are
 * visible only so that observe runs in the caller; treat them as read-only. Values are
 * looked up by octave, the index of their leading bit (pcpu_histogram_octave()): for
 * octave k, ph_octave_cell[k] is the cell of the bucket of the octave's least value and
 * ph_octave_bound[k] the one bound inside the octave, UINT64_MAX when there is none, so
 * that a value above that bound belongs to the next cell. An octave holding two bounds or
 * more has no cell (NULL), and its ph_octave_bound is the index in ph_class_cell of the
 * first of its 8 classes, cut by the 3 bits after the leading one
 * (pcpu_histogram_class()); each class has a cell and a bound in the same way, in
 * ph_class_cell and ph_class_bound. A class holding two bounds or more has no cell either:
 * its values take the binary search over ph_search, the bounds padded with UINT64_MAX,
 * which ends at the first bound >= v, or at nbounds (+Inf) when there is none.
 */
struct pcpu_histogram {
	uint64_t *ph_cells; /* the cell of bucket i is ph_cells + PCPU_HISTOGRAM_CELL * i */
	unsigned int ph_nbounds;
	uint64_t *ph_octave_cell[PCPU_HISTOGRAM_OCTAVES] __attribute__((aligned(64)));
	uint64_t ph_octave_bound[PCPU_HISTOGRAM_OCTAVES];
	uint64_t ph_search[PCPU_HISTOGRAM_SEARCH];
	uint64_t *ph_class_cell[PCPU_HISTOGRAM_CLASSES];
	uint64_t ph_class_bound[PCPU_HISTOGRAM_CLASSES];
};
typedef struct pcpu_histogram *pcpu_histogram_t;

PCPU_EXPORT pcpu_histogram_t pcpu_histogram_alloc_named(const char *name, const uint64_t *bounds,
							size_t nbounds, const struct pcpu_metric *m,
							int flags);
PCPU_EXPORT void pcpu_histogram_observe(pcpu_histogram_t h, uint64_t v);
PCPU_EXPORT int pcpu_histogram_fetch(pcpu_histogram_t h, uint64_t *buckets, uint64_t *sum);
PCPU_EXPORT void pcpu_histogram_zero(pcpu_histogram_t h);
PCPU_EXPORT void pcpu_histogram_free(pcpu_histogram_t h);
/* The rest of an observe whose section added the count of cell and not v to its sum. */
PCPU_EXPORT void pcpu_histogram_add_sum(uint64_t *cell, uint64_t v);

/* The octave of v: the index of its leading bit, 0 for 0 and 1; octave k > 0 holds
 * [2^k, 2^(k+1)). On x86_64 the bsr itself: gcc extends __builtin_clzll's int again
 * before indexing with it. */
static inline size_t pcpu_histogram_octave(uint64_t v)
{
#if defined(__x86_64__)
	size_t k;

	__asm__("bsrq %[v], %[k]" : [k] "=r"(k) : [v] "rm"(v | 1) : "cc");
	return k;
#else
	return 63 ^ (size_t)__builtin_clzll(v | 1);
#endif
}

/* The class of v in its octave k: the 3 bits after its leading one, or for an octave of
 * fewer than 8 values (k < 3) its offset in the octave, scaled to 0..7. */
static inline size_t pcpu_histogram_class(uint64_t v, size_t k)
{
	return (size_t)((v << (k ^ 63)) >> (63 - PCPU_HISTOGRAM_CLASS_BITS)) &
	       ((1u << PCPU_HISTOGRAM_CLASS_BITS) - 1);
}

/*
 * The cell after cell when bound < v, else cell itself. On x86_64 a cmov: gcc makes the
 * plain conditional a branch, which values spread over the buckets mispredict about
 * every other observe.
 */
static inline uint64_t *pcpu_histogram_step(uint64_t *cell, uint64_t bound, uint64_t v)
{
#if defined(__x86_64__)
	uint64_t *step;

	/* The next cell first, into a register of its own, then back to cell: the lea
	 * leaves cell where it was, so no copy of it is made for the cmov. */
	__asm__("leaq %c[size](%[cell]), %[step]\n\t"
		"cmpq %[v], %[bound]\n\t"
		"cmovaeq %[cell], %[step]"
		: [step] "=&r"(step)
		: [cell] "r"(cell), [size] "i"(PCPU_HISTOGRAM_CELL * sizeof(uint64_t)),
		  [bound] "rm"(bound), [v] "er"(v)
		: "cc");
	return step;
#else
	return cell + PCPU_HISTOGRAM_CELL * (size_t)(bound < v);
#endif
}

/*
 * The cell of v's bucket by the handle's tables: its octave's, or in an octave with two
 * bounds or more its class's (the one branch on the value, never taken when the bounds
 * are a factor of 2 apart), then the next one when v is above the one bound inside; NULL
 * in a class with two bounds or more.
 */
static inline uint64_t *pcpu_histogram_cell(const struct pcpu_histogram *h, uint64_t v)
{
	size_t k = pcpu_histogram_octave(v), c;
	uint64_t *cell = h->ph_octave_cell[k];

	if (__builtin_expect(cell != NULL, 1))
		return pcpu_histogram_step(cell, h->ph_octave_bound[k], v);
	c = (size_t)h->ph_octave_bound[k] + pcpu_histogram_class(v, k);
	cell = h->ph_class_cell[c];
	return cell == NULL ? NULL : pcpu_histogram_step(cell, h->ph_class_bound[c], v);
}

/*
 * The bucket of v: the number of bounds below v. By its cell in the tables; in a class
 * with two bounds or more, by a binary search with no branch on v.
 */
static inline unsigned int pcpu_histogram_bucket(const struct pcpu_histogram *h, uint64_t v)
{
	const uint64_t *cell = pcpu_histogram_cell(h, v), *b = h->ph_search, *p = b;

	if (cell != NULL)
		return (unsigned int)((cell - h->ph_cells) / PCPU_HISTOGRAM_CELL);
	p += (size_t)(p[15] < v) * 16;
	p += (size_t)(p[7] < v) * 8;
	p += (size_t)(p[3] < v) * 4;
	p += (size_t)(p[1] < v) * 2;
	return (unsigned int)(p - b) + (p[0] < v);
}

/*
 * One section adds 1 to the cell's count and v to its sum (<pcpu/percpu_add.h>): every
 * bucket and the sum are exact once observes stop, and a reader in between may see a
 * cell's count without its sum. The cell is pcpu_histogram_cell()'s. A class with two
 * bounds or more, and every case the section cannot take (atomic mode, an abort, a thread
 * without rseq, an architecture without the section), calls pcpu_histogram_observe() as
 * a function, or pcpu_histogram_add_sum() when the section was aborted after the count.
 */
static inline __attribute__((always_inline)) void pcpu_histogram_observe_inline(pcpu_histogram_t h,
										uint64_t v)
{
	uint64_t *cell = pcpu_histogram_cell(h, v);
	int made;

	if (__builtin_expect(cell == NULL, 0)) {
		(pcpu_histogram_observe)(h, v);
		return;
	}
	made = pcpu_percpu_add_count_sum_once(pcpu_percpu_hot, cell, v);
	if (__builtin_expect(made == 2, 1))
		return;
	if (made == 1)
		pcpu_histogram_add_sum(cell, v);
	else
		(pcpu_histogram_observe)(h, v);
}
#define pcpu_histogram_observe(h, v) pcpu_histogram_observe_inline((h), (v))

#ifdef __cplusplus
}
#endif

#endif
