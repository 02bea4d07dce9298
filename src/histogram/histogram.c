/*
 * Per-CPU histograms (<pcpu/histogram.h>): one zpcpu allocation of nbounds + 1 cells,
 * listed as one PCPU_SYM_HISTOGRAM symbol. Each of a cell's two words (count, sum) is a
 * counter(9) counter but for where its adjustment lies (two words after it), so the
 * fallback adds, the fetch and the zero are a counter's and exact for the same reasons
 * (src/counter/counter.c); one section adds to both words (<pcpu/arch/x86_64.h>).
 */
#include <pcpu/histogram.h>
#include <pcpu/metric.h>

#include <errno.h>
#include <stdlib.h>

#include "arch/percpu.h"
#include "domain/domain.h"

_Static_assert(PCPU_HISTOGRAM_CELL * sizeof(uint64_t) == PCPU_HIST_CELL_SIZE &&
		       PCPU_HIST_COUNT == 0 && PCPU_HIST_SUM == 1 &&
		       PCPU_HIST_COUNT_ADJ - PCPU_HIST_COUNT == PCPU_HIST_SUM_ADJ - PCPU_HIST_SUM,
	       "a cell is the two words the section adds to (count, sum), then their adjustments");
_Static_assert(PCPU_HISTOGRAM_SEARCH == 32 && PCPU_HISTOGRAM_BOUNDS_MAX < 32,
	       "pcpu_histogram_bucket's binary search: 32 entries, the last one UINT64_MAX");

enum { ADJ = PCPU_HIST_COUNT_ADJ - PCPU_HIST_COUNT }; /* a word's adjustment, that far on */

static size_t cells_of(size_t nbounds)
{
	return nbounds + 1; /* the buckets, +Inf */
}

static uint64_t *cell(pcpu_histogram_t h, unsigned int i)
{
	return h->ph_cells + PCPU_HISTOGRAM_CELL * i;
}

static int bad_flags(int flags)
{
	return ((flags & M_NOWAIT) != 0) == ((flags & M_WAITOK) != 0) ||
	       (flags & ~(M_NOWAIT | M_WAITOK | M_ZERO)) != 0;
}

/* The greatest value of octave k (pcpu_histogram_octave()). */
static uint64_t octave_top(unsigned int k)
{
	return k == PCPU_HISTOGRAM_OCTAVES - 1 ? UINT64_MAX : (UINT64_C(2) << k) - 1;
}

/* Made before the allocation, so that a failing malloc leaves nothing in the domain; the
 * octave tables point into the cells, filled once they exist. */
static pcpu_histogram_t handle(const uint64_t *bounds, size_t nbounds)
{
	pcpu_histogram_t h = aligned_alloc(64, sizeof(*h));

	if (h == NULL)
		return NULL;
	h->ph_nbounds = (unsigned int)nbounds;
	for (size_t i = 0; i < PCPU_HISTOGRAM_SEARCH; i++)
		h->ph_search[i] = i < nbounds ? bounds[i] : UINT64_MAX;
	return h;
}

/* The greatest value of class j of octave k (pcpu_histogram_class()): the class after it
 * begins ceil((j + 1) * 2^k / 8) above the octave's least value 2^k. */
static uint64_t class_top(unsigned int k, unsigned int j)
{
	enum { CLASSES = 1u << PCPU_HISTOGRAM_CLASS_BITS };
	uint64_t next = k >= PCPU_HISTOGRAM_CLASS_BITS
				? (uint64_t)(j + 1) << (k - PCPU_HISTOGRAM_CLASS_BITS)
				: (((uint64_t)(j + 1) << k) + CLASSES - 1) / CLASSES;

	return j == CLASSES - 1 ? octave_top(k) : (UINT64_C(1) << k) + next - 1;
}

/* A range of values up to top whose least value falls in bucket *below (the first bound
 * >= it) holds the bounds from there to top. One of them: the value's cell is *below's or
 * the next, by that bound (*bound). None: *below's (*bound UINT64_MAX). Two or more: no
 * cell (NULL). Moves *below past them. */
static uint64_t *range(pcpu_histogram_t h, uint64_t top, unsigned int *below, uint64_t *bound)
{
	unsigned int first = *below, inside = first;

	while (inside < h->ph_nbounds && h->ph_search[inside] <= top)
		inside++;
	*below = inside;
	*bound = inside - first == 1 ? h->ph_search[first] : UINT64_MAX;
	return inside - first > 1 ? NULL : cell(h, first);
}

/* Each octave a range; one with no cell, its classes next in the class tables, each a
 * range. At most PCPU_HISTOGRAM_BOUNDS_MAX / 2 octaves hold two bounds or more. */
static void octaves(pcpu_histogram_t h, uint64_t *cells)
{
	unsigned int below = 0, classes = 0;

	h->ph_cells = cells;
	for (unsigned int k = 0; k < PCPU_HISTOGRAM_OCTAVES; k++) {
		unsigned int first = below;

		h->ph_octave_cell[k] = range(h, octave_top(k), &below, &h->ph_octave_bound[k]);
		if (h->ph_octave_cell[k] != NULL)
			continue;
		h->ph_octave_bound[k] = classes;
		below = first;
		for (unsigned int j = 0; j < 1u << PCPU_HISTOGRAM_CLASS_BITS; j++, classes++)
			h->ph_class_cell[classes] =
				range(h, class_top(k, j), &below, &h->ph_class_bound[classes]);
	}
}

/* The description as stored: m's, typed a histogram, with the bounds. 0 or EINVAL. */
static int describe(struct pcpu_dom_meta *meta, const struct pcpu_metric *m, const uint64_t *bounds,
		    size_t nbounds)
{
	static const uint64_t none[1];
	struct pcpu_metric desc = m != NULL ? *m : (struct pcpu_metric){0};

	if ((nbounds > 0 && bounds == NULL) ||
	    (desc.pm_type != PCPU_METRIC_UNTYPED && desc.pm_type != PCPU_METRIC_HISTOGRAM))
		return EINVAL;
	desc.pm_type = PCPU_METRIC_HISTOGRAM;
	return pcpu_meta_build(meta, &desc, nbounds > 0 ? bounds : none, nbounds);
}

pcpu_histogram_t pcpu_histogram_alloc_named(const char *name, const uint64_t *bounds,
					    size_t nbounds, const struct pcpu_metric *m, int flags)
{
	size_t bytes = cells_of(nbounds) * PCPU_HIST_CELL_SIZE;
	struct pcpu_dom_meta meta;
	uint64_t *cells;
	pcpu_histogram_t h;

	if (bad_flags(flags) || describe(&meta, m, bounds, nbounds) != 0)
		return errno = EINVAL, NULL;
	h = handle(bounds, nbounds);
	if (h == NULL)
		return NULL;
	cells = pcpu_named_alloc(name, bytes, bytes, PCPU_SYM_HISTOGRAM, 0, &meta);
	if (cells == NULL) {
		int err = errno;

		free(h);
		return errno = err, NULL;
	}
	octaves(h, cells);
	return h;
}

static void add_word(uint64_t *w, uint64_t v)
{
	if (!pcpu_percpu_add_cs(w, (int64_t)v, 64))
		pcpu_percpu_sub_adj(w, ADJ, v);
}

void pcpu_histogram_add_sum(uint64_t *c, uint64_t v)
{
	add_word(c + PCPU_HIST_SUM, v);
}

/* Parenthesised: the header defines pcpu_histogram_observe() as a macro over this. Where
 * the section cannot run (none on this architecture, or none for this thread), the count
 * and the sum are two adds, each exact on its own. */
void(pcpu_histogram_observe)(pcpu_histogram_t h, uint64_t v)
{
	uint64_t *c = cell(h, pcpu_histogram_bucket(h, v));
	int made = pcpu_percpu_add_count_sum_cs(c, v);

	if (made == 0)
		add_word(c + PCPU_HIST_COUNT, 1);
	if (made < 2)
		pcpu_histogram_add_sum(c, v);
}

int pcpu_histogram_fetch(pcpu_histogram_t h, uint64_t *buckets, uint64_t *sum)
{
	uint64_t total = 0;

	if (h == NULL || buckets == NULL)
		return errno = EINVAL, -1;
	for (unsigned int i = 0; i <= h->ph_nbounds; i++) {
		buckets[i] = pcpu_percpu_total(cell(h, i) + PCPU_HIST_COUNT, ADJ);
		total += pcpu_percpu_total(cell(h, i) + PCPU_HIST_SUM, ADJ);
	}
	if (sum != NULL)
		*sum = total;
	return 0;
}

void pcpu_histogram_zero(pcpu_histogram_t h)
{
	if (h == NULL)
		return;
	for (unsigned int i = 0; i < cells_of(h->ph_nbounds); i++) {
		pcpu_percpu_zero(cell(h, i) + PCPU_HIST_COUNT, ADJ);
		pcpu_percpu_zero(cell(h, i) + PCPU_HIST_SUM, ADJ);
	}
}

void pcpu_histogram_free(pcpu_histogram_t h)
{
	struct pcpu_domain *d;
	int err;

	if (h == NULL)
		return;
	d = pcpu_domain_get();
	if (d != NULL && (err = pcpu_arena_free(d, h->ph_cells, PCPU_SYM_HISTOGRAM)) != 0)
		errno = err;
	free(h);
}
