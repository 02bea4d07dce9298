/*
 * <pcpu/zpcpu.h> -- per-CPU allocations, after FreeBSD's zpcpu_* (uma_zalloc_pcpu). See
 * zpcpu(3).
 *
 * zpcpu_alloc(size) returns a base address in the process's domain; CPU i's copy is at
 * base + i * stride, the stride being the same for every allocation of the domain (and
 * recorded in its header, so readers never guess it).
 */
#ifndef PCPU_ZPCPU_H
#define PCPU_ZPCPU_H

#include <stddef.h>

#include <pcpu/export.h>

#ifdef __cplusplus
extern "C" {
#endif

PCPU_EXPORT void *zpcpu_alloc(size_t size);
/* The allocation named name, of size bytes per CPU, allocated (zeroed) and named now if
 * there is none: what processes attached to one domain share. NULL with errno EEXIST when
 * name stands for something else (another kind or size). */
PCPU_EXPORT void *zpcpu_alloc_named(const char *name, size_t size);
PCPU_EXPORT void zpcpu_free(void *base);
PCPU_EXPORT void *zpcpu_get(void *base);
PCPU_EXPORT void *zpcpu_get_cpu(void *base, unsigned int cpu);
PCPU_EXPORT size_t zpcpu_stride(void);

#ifdef __cplusplus
}
#endif

#endif
