/* pcpu_metric(3): describing a symbol of the domain, at run time or from the start-up
 * linker set of an object. */
#include <pcpu/metric.h>

#include <errno.h>
#include <string.h>

#include "domain/domain.h"

/* A histogram keeps its bounds, which its storage depends on; no other symbol may
 * become one. */
static int describe_locked(struct pcpu_domain *d, const char *symbol, const struct pcpu_metric *m)
{
	const struct pcpu_dom_sym *s = pcpu_sym_find_locked(d, symbol);
	const struct pcpu_dom_meta *old;
	struct pcpu_dom_meta v;
	uint32_t index;
	int err;

	if (s == NULL)
		return ENOENT;
	index = pcpu_sym_index(d, s);
	if (s->kind != PCPU_SYM_HISTOGRAM)
		err = pcpu_meta_build(&v, m, NULL, 0);
	else if ((old = pcpu_meta_get_locked(d, index)) != NULL)
		err = pcpu_meta_build(&v, m, old->bounds, old->nbounds);
	else
		err = EINVAL;
	return err != 0 ? err : pcpu_meta_set_locked(d, index, symbol, s->seq, &v);
}

int pcpu_metric_describe(const char *symbol, const struct pcpu_metric *m)
{
	struct pcpu_domain *d;
	int err;

	if (symbol == NULL || m == NULL)
		return errno = EINVAL, -1;
	d = pcpu_domain_get();
	if (d == NULL)
		return -1;
	err = pcpu_dom_lock(d);
	if (err == 0) {
		err = describe_locked(d, symbol, m);
		pcpu_dom_unlock(d);
	}
	return err != 0 ? (errno = err, -1) : 0;
}

void pcpu_metric_describe_set(struct pcpu_metric_desc *start, struct pcpu_metric_desc *stop)
{
	int saved = errno;

	for (struct pcpu_metric_desc *x = start; x < stop; x++)
		pcpu_metric_describe(x->symbol, &x->metric);
	errno = saved;
}
