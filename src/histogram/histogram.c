/*
 * Per-CPU histograms (<pcpu/histogram.h>). The cells are counters in every respect but
 * their allocation -- one zpcpu allocation of nbounds + 2 of them, listed as one
 * PCPU_SYM_HISTOGRAM symbol -- so the adds, the fetch and the zero are counter(9)'s and
 * exact for the same reasons (src/counter/counter.c).
 */
#include <pcpu/histogram.h>
#include <pcpu/metric.h>

#include <errno.h>
#include <stdlib.h>

#include "domain/domain.h"

_Static_assert(PCPU_COUNTER_SIZE == 2 * sizeof(uint64_t), "a cell is ph_cells[2 * i]");
_Static_assert(PCPU_HISTOGRAM_SEARCH == 32 && PCPU_HISTOGRAM_BOUNDS_MAX < 32,
	       "pcpu_histogram_bucket halves 32 entries down to 4, the last one UINT64_MAX");

static size_t cells_of(size_t nbounds)
{
	return nbounds + 2; /* the buckets, +Inf, the sum */
}

static int bad_flags(int flags)
{
	return ((flags & M_NOWAIT) != 0) == ((flags & M_WAITOK) != 0) ||
	       (flags & ~(M_NOWAIT | M_WAITOK | M_ZERO)) != 0;
}

/* Made before the allocation, so that a failing malloc leaves nothing in the domain. */
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
	size_t bytes = cells_of(nbounds) * PCPU_COUNTER_SIZE;
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
	h->ph_cells = cells;
	h->ph_sum = cells + 2 * (nbounds + 1);
	return h;
}

/* Parenthesised: the header defines pcpu_histogram_observe() as a macro over this. */
void(pcpu_histogram_observe)(pcpu_histogram_t h, uint64_t v)
{
	pcpu_histogram_observe_inline(h, v);
}

int pcpu_histogram_fetch(pcpu_histogram_t h, uint64_t *buckets, uint64_t *sum)
{
	if (h == NULL || buckets == NULL)
		return errno = EINVAL, -1;
	for (unsigned int i = 0; i <= h->ph_nbounds; i++)
		buckets[i] = counter_u64_fetch(h->ph_cells + 2 * i);
	if (sum != NULL)
		*sum = counter_u64_fetch(h->ph_sum);
	return 0;
}

void pcpu_histogram_zero(pcpu_histogram_t h)
{
	if (h == NULL)
		return;
	for (unsigned int i = 0; i < cells_of(h->ph_nbounds); i++)
		counter_u64_zero(h->ph_cells + 2 * i);
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
