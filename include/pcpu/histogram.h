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
 * pcpu_histogram_observe() finds the bucket in the caller's copy of the bounds and adds
 * 1 and v to the cell's pair of words in one rseq section with one commit: no lock, no
 * atomic on the rseq path. Readers in other processes use kvm_histogram_fetch(3).
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
#define PCPU_HISTOGRAM_CLASSES 252   /* value classes: 4 per power of two (below) */

struct pcpu_metric;

/*
 * The handle, in this process's memory (a forked child inherits it). Its fields are
 * visible only so that observe runs in the caller; treat them as read-only. ph_search is
 * the bounds padded with UINT64_MAX, so that a search of fixed length ends at the first
 * bound >= v, or at nbounds (+Inf) when there is none. For class c of values
 * (pcpu_histogram_class()), ph_below[c] is the number of bounds below its least value
 * and ph_inside[c] the bound inside it, UINT64_MAX when there is none; ph_crowded is 1
 * when some class holds two bounds or more.
 */
struct pcpu_histogram {
	uint64_t *ph_cells; /* the cell of bucket i is ph_cells + PCPU_HISTOGRAM_CELL * i */
	unsigned int ph_nbounds;
	unsigned int ph_crowded;
	uint64_t ph_search[PCPU_HISTOGRAM_SEARCH] __attribute__((aligned(64)));
	uint64_t ph_inside[PCPU_HISTOGRAM_CLASSES];
	unsigned char ph_below[PCPU_HISTOGRAM_CLASSES];
};
typedef struct pcpu_histogram *pcpu_histogram_t;

PCPU_EXPORT pcpu_histogram_t pcpu_histogram_alloc_named(const char *name, const uint64_t *bounds,
							size_t nbounds, const struct pcpu_metric *m,
							int flags);
PCPU_EXPORT void pcpu_histogram_observe(pcpu_histogram_t h, uint64_t v);
PCPU_EXPORT int pcpu_histogram_fetch(pcpu_histogram_t h, uint64_t *buckets, uint64_t *sum);
PCPU_EXPORT void pcpu_histogram_zero(pcpu_histogram_t h);
PCPU_EXPORT void pcpu_histogram_free(pcpu_histogram_t h);

/*
 * The class of v, 0 .. PCPU_HISTOGRAM_CLASSES - 1: v itself below 8, else 4 per power of
 * two, by v's leading bit and the two bits after it (a log-linear scale). Classes are
 * ascending and contiguous: class c holds [lo(c), lo(c + 1)) (histogram.c has lo).
 */
static inline unsigned int pcpu_histogram_class(uint64_t v)
{
	unsigned int k = 63 - (unsigned int)__builtin_clzll(v | 4); /* >= 2 */

	return 4 * (k - 2) + (unsigned int)(v >> (k - 2));
}

/*
 * The bucket of v: the number of bounds below v. The bounds below v's class are below v,
 * ph_below says how many; those above it are above v; so only the bound inside it, if
 * any, is compared with v, loaded beside the count from the same index. No branch on v,
 * and one load after the class: values spread over every bucket cost what values in one
 * do, where a binary search with branches mispredicted on every other observe and one
 * without waited on five loads in turn (bench/histogram).
 * Bounds closer than a class is wide (two within 25%) take a binary search over the 32
 * entries of ph_search instead, on a flag that is the same for every observe of the
 * histogram, so predicted.
 */
static inline __attribute__((always_inline)) unsigned int
pcpu_histogram_bucket(const struct pcpu_histogram *h, uint64_t v)
{
	const uint64_t *b = h->ph_search, *p = b;

	if (__builtin_expect(h->ph_crowded, 0)) {
		p += (size_t)(p[15] < v) * 16;
		p += (size_t)(p[7] < v) * 8;
		p += (size_t)(p[3] < v) * 4;
		p += (size_t)(p[1] < v) * 2;
		return (unsigned int)(p - b) + (p[0] < v);
	}
	return h->ph_below[pcpu_histogram_class(v)] + (h->ph_inside[pcpu_histogram_class(v)] < v);
}

/*
 * One committed section adds 1 to the cell's count and v to its sum (<pcpu/percpu_add.h>):
 * every bucket and the sum are exact once observes stop, and a reader in between may
 * see a cell's count without its sum only by reading between the two words.
 * pcpu_histogram_observe() is also a function, which makes every other case (atomic
 * mode, an abort, a thread without rseq, an architecture without the pair section); the
 * macro makes the first attempt in the caller.
 */
static inline __attribute__((always_inline)) void pcpu_histogram_observe_inline(pcpu_histogram_t h,
										uint64_t v)
{
	if (!pcpu_percpu_add_pair_once(
		    pcpu_percpu_hot,
		    h->ph_cells + PCPU_HISTOGRAM_CELL * pcpu_histogram_bucket(h, v), 1, v))
		(pcpu_histogram_observe)(h, v);
}
#define pcpu_histogram_observe(h, v) pcpu_histogram_observe_inline((h), (v))

#ifdef __cplusplus
}
#endif

#endif
