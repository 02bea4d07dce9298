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
 * the cell's pair of words in one rseq section with one commit: no lock, no atomic on the
 * rseq path. Readers in other processes use kvm_histogram_fetch(3).
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

struct pcpu_metric;

/*
 * The handle, in this process's memory (a forked child inherits it). Its fields are
 * visible only so that observe runs in the caller; treat them as read-only. Values are
 * looked up by octave, the index of their leading bit (pcpu_histogram_octave()): for
 * octave k, ph_octave_cell[k] is the cell of the bucket of the octave's least value and
 * ph_octave_bound[k] the one bound inside the octave, UINT64_MAX when there is none, so
 * that a value above that bound belongs to the next cell. An octave holding two bounds or
 * more has no cell (NULL): its values take the binary search over ph_search, the bounds
 * padded with UINT64_MAX, which ends at the first bound >= v, or at nbounds (+Inf) when
 * there is none.
 */
struct pcpu_histogram {
	uint64_t *ph_cells; /* the cell of bucket i is ph_cells + PCPU_HISTOGRAM_CELL * i */
	unsigned int ph_nbounds;
	uint64_t *ph_octave_cell[PCPU_HISTOGRAM_OCTAVES] __attribute__((aligned(64)));
	uint64_t ph_octave_bound[PCPU_HISTOGRAM_OCTAVES];
	uint64_t ph_search[PCPU_HISTOGRAM_SEARCH];
};
typedef struct pcpu_histogram *pcpu_histogram_t;

PCPU_EXPORT pcpu_histogram_t pcpu_histogram_alloc_named(const char *name, const uint64_t *bounds,
							size_t nbounds, const struct pcpu_metric *m,
							int flags);
PCPU_EXPORT void pcpu_histogram_observe(pcpu_histogram_t h, uint64_t v);
PCPU_EXPORT int pcpu_histogram_fetch(pcpu_histogram_t h, uint64_t *buckets, uint64_t *sum);
PCPU_EXPORT void pcpu_histogram_zero(pcpu_histogram_t h);
PCPU_EXPORT void pcpu_histogram_free(pcpu_histogram_t h);

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
		  [bound] "rm"(bound), [v] "r"(v)
		: "cc");
	return step;
#else
	return cell + PCPU_HISTOGRAM_CELL * (size_t)(bound < v);
#endif
}

/*
 * The bucket of v: the number of bounds below v. By v's octave, whose least value's
 * bucket and one bound the handle holds; in an octave with two bounds or more, by a
 * binary search with no branch on v.
 */
static inline unsigned int pcpu_histogram_bucket(const struct pcpu_histogram *h, uint64_t v)
{
	size_t k = pcpu_histogram_octave(v);
	const uint64_t *b = h->ph_search, *p = b;

	if (h->ph_octave_cell[k] != NULL)
		return (unsigned int)((pcpu_histogram_step(h->ph_octave_cell[k],
							   h->ph_octave_bound[k], v) -
				       h->ph_cells) /
				      PCPU_HISTOGRAM_CELL);
	p += (size_t)(p[15] < v) * 16;
	p += (size_t)(p[7] < v) * 8;
	p += (size_t)(p[3] < v) * 4;
	p += (size_t)(p[1] < v) * 2;
	return (unsigned int)(p - b) + (p[0] < v);
}

/*
 * One committed section adds 1 to the cell's count and v to its sum (<pcpu/percpu_add.h>):
 * every bucket and the sum are exact once observes stop, and a reader in between may see
 * a cell's count without its sum only by reading between the two words. The octave is a
 * bit scan, the cell a table load and a cmov; the one branch is on whether the octave
 * holds two bounds or more, never taken when the bounds are a factor of 2 apart. Such an
 * octave, and every case the section cannot take (atomic mode, an abort, a thread
 * without rseq, an architecture without the pair section), calls
 * pcpu_histogram_observe() as a function.
 */
static inline __attribute__((always_inline)) void pcpu_histogram_observe_inline(pcpu_histogram_t h,
										uint64_t v)
{
	size_t k = pcpu_histogram_octave(v);
	uint64_t *cell = h->ph_octave_cell[k];

	if (__builtin_expect(cell == NULL, 0) ||
	    !pcpu_percpu_add_pair_once(pcpu_percpu_hot,
				       pcpu_histogram_step(cell, h->ph_octave_bound[k], v), 1, v))
		(pcpu_histogram_observe)(h, v);
}
#define pcpu_histogram_observe(h, v) pcpu_histogram_observe_inline((h), (v))

#ifdef __cplusplus
}
#endif

#endif
