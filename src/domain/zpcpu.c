/* zpcpu(3): per-CPU allocations in the domain's arena. */
#include <pcpu/zpcpu.h>

#include <errno.h>

#include "arch/percpu.h"
#include "domain/domain.h"
#include "domain/zpcpu_cache.h"

void *zpcpu_alloc(size_t size)
{
	return pcpu_zcache_alloc(size);
}

void *zpcpu_alloc_named(const char *name, size_t size)
{
	return pcpu_named_alloc(name, size, size, PCPU_SYM_ZPCPU, 0, NULL);
}

void zpcpu_free(void *base)
{
	int err;

	if (base == NULL)
		return;
	err = pcpu_zcache_free(base);
	if (err != 0)
		errno = err;
}

void *zpcpu_get(void *base)
{
	return pcpu_percpu_slot(base, pcpu_percpu_cpu());
}

void *zpcpu_get_cpu(void *base, unsigned int cpu)
{
	if (cpu >= pcpu_percpu_maxcpu()) {
		errno = EINVAL;
		return NULL;
	}
	return pcpu_percpu_slot(base, cpu);
}

size_t zpcpu_stride(void)
{
	struct pcpu_domain *d = pcpu_domain_get();

	return d == NULL ? 0 : d->lay.stride;
}
