/* Where everything lies in a domain file, from maxcpu and the page size alone. */
#include "domain/domain.h"

static size_t round_up(size_t n, size_t to)
{
	return (n + to - 1) / to * to;
}

void pcpu_layout_compute(struct pcpu_layout *lay, unsigned int maxcpu, size_t page)
{
	lay->page = page;
	lay->stride = page > PCPU_STRIDE_MIN ? page : PCPU_STRIDE_MIN;
	lay->maxcpu = maxcpu;
	lay->pcpu_off = round_up(PCPU_DOM_HDR_SIZE, page);
	lay->sym_off = lay->pcpu_off + round_up((size_t)maxcpu * sizeof(struct pcpu), page);
	lay->proc_off =
		lay->sym_off + round_up((size_t)PCPU_SYM_CAP * sizeof(struct pcpu_dom_sym), page);
	lay->meta_off = lay->proc_off +
			round_up((size_t)PCPU_PROC_CAP * sizeof(struct pcpu_dom_proc), page);
	lay->chunk0_off =
		lay->meta_off + round_up((size_t)PCPU_SYM_CAP * sizeof(struct pcpu_dom_meta), page);
	lay->chunk_len = (size_t)maxcpu * lay->stride;
	/* Three bits per granule (used, head, counter); a whole number of 64-byte lines. */
	lay->map_len = round_up(3 * (lay->stride / PCPU_GRANULE) / 8, 64);
	lay->reserve = pcpu_chunk_off(lay, PCPU_DOM_MAX_CHUNKS);
}
