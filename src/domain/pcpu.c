/* struct pcpu lookups, curcpu, pcpu_register() and pcpu_domain_path(). */
#include <pcpu/pcpu.h>

#include <errno.h>

#include "arch/percpu.h"
#include "domain/domain.h"
#include "format/snapshot.h"

struct pcpu *pcpu_find(unsigned int cpu)
{
	struct pcpu_domain *d = pcpu_domain_get();

	if (d == NULL)
		return NULL;
	if (cpu >= d->lay.maxcpu) {
		errno = EINVAL;
		return NULL;
	}
	return (struct pcpu *)(d->base + d->lay.pcpu_off) + cpu;
}

unsigned int pcpu_mp_maxid(void)
{
	struct pcpu_domain *d = pcpu_domain_get();

	return d == NULL ? 0 : d->lay.maxcpu - 1;
}

int pcpu_cpu_absent(unsigned int cpu)
{
	struct pcpu *pc = pcpu_find(cpu);

	return pc == NULL || !pc->pc_present;
}

int pcpu_mp_ncpus(void)
{
	int n = 0;

	for (unsigned int c = 0; c <= pcpu_mp_maxid(); c++)
		n += !pcpu_cpu_absent(c);
	return n;
}

/* The answer is stale as soon as it is returned, as in the kernel with preemption on;
 * use DPCPU_ADD or counter_u64_add, not curcpu, to update per-CPU data. */
unsigned int pcpu_curcpu(void)
{
	pcpu_domain_get();
	return pcpu_percpu_cpu();
}

const char *pcpu_domain_name(void)
{
	struct pcpu_domain *d = pcpu_domain_get();

	if (d == NULL)
		return NULL;
	return d->name;
}

const char *pcpu_domain_path(void)
{
	struct pcpu_domain *d = pcpu_domain_get();

	if (d == NULL)
		return NULL;
	if (!d->shared) {
		errno = d->error;
		return NULL;
	}
	return d->path;
}

/* What addr names: a counter, a zpcpu allocation (size at most its own), or any other
 * object that lies inside the domain. 0 with *kind set, or an errno value. */
static int classify(struct pcpu_domain *d, const void *addr, size_t *size, uint32_t *kind)
{
	size_t have;
	int k = pcpu_arena_lookup(d, addr, &have);

	if (k == PCPU_SYM_COUNTER) {
		*size = sizeof(uint64_t);
	} else if (k == PCPU_SYM_ZPCPU) {
		if (*size > have)
			return EINVAL;
		if (*size == 0)
			*size = have;
	} else if (*size == 0 || !pcpu_domain_contains(d, addr, *size)) {
		return EINVAL;
	}
	*kind = k != 0 ? (uint32_t)k : PCPU_SYM_OBJECT;
	return 0;
}

/* A name registered already is fine when it names this very object (a process attaching
 * to the domain registers what the first one did); anything else is EEXIST. */
static int add_or_match(struct pcpu_domain *d, const char *name, const void *addr, size_t size,
			uint32_t kind)
{
	const struct pcpu_dom_sym *s = name != NULL ? pcpu_sym_find_locked(d, name) : NULL;

	if (s != NULL)
		return s->kind == kind && s->addr == (uintptr_t)addr && s->size == size ? 0
											: EEXIST;
	return pcpu_sym_add_locked(d, name, (uintptr_t)addr, size, kind,
				   kind == PCPU_SYM_COUNTER ? PCPU_SYMF_INTEGER : 0, NULL);
}

int pcpu_register(const char *name, const void *addr, size_t size)
{
	struct pcpu_domain *d = pcpu_domain_get();
	uint32_t kind;
	int err;

	if (d == NULL)
		return -1;
	err = pcpu_dom_lock(d);
	if (err != 0)
		return errno = err, -1;
	err = classify(d, addr, &size, &kind);
	if (err == 0)
		err = add_or_match(d, name, addr, size, kind);
	pcpu_dom_unlock(d);
	if (err != 0)
		return errno = err, -1;
	return 0;
}

int pcpu_snapshot(const char *path)
{
	struct pcpu_domain *d = pcpu_domain_get();

	if (d == NULL)
		return -1;
	if (path == NULL)
		return errno = EINVAL, -1;
	return pcpu_format_snapshot(d->base, __atomic_load_n(&d->hdr->file_size, __ATOMIC_ACQUIRE),
				    path);
}
