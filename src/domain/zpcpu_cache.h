/* The per-thread caches in front of the arena for small zpcpu allocations
 * (zpcpu_cache.c). */
#ifndef PCPU_DOMAIN_ZPCPU_CACHE_H
#define PCPU_DOMAIN_ZPCPU_CACHE_H

#include <stddef.h>

#include "domain/domain.h"

/* zpcpu_alloc: a zeroed allocation of size bytes per CPU in the process's domain, or
 * NULL with errno. */
void *pcpu_zcache_alloc(size_t size);
/* zpcpu_free of a base other than NULL: 0 (also when the process has no domain), or
 * EINVAL when base is not a live zpcpu allocation. */
int pcpu_zcache_free(void *base);

#endif
