/* Finding a domain's objects by name, or making them: what attaching processes share. */
#include "domain/domain.h"

#include <errno.h>
#include <string.h>

/* A histogram is also its bounds: the same count of them (its size) is not enough. */
static int same_bounds(struct pcpu_domain *d, const struct pcpu_dom_sym *s,
		       const struct pcpu_dom_meta *meta)
{
	const struct pcpu_dom_meta *have;

	if (s->kind != PCPU_SYM_HISTOGRAM)
		return 1;
	have = pcpu_meta_get_locked(d, pcpu_sym_index(d, s));
	return have != NULL && meta != NULL && have->nbounds == meta->nbounds &&
	       memcmp(have->bounds, meta->bounds, sizeof(have->bounds)) == 0;
}

/* Caller holds the lock. An existing name must be the same kind and size: two programs
 * that disagree about what a name is must never share its bytes under two readings. A
 * description (meta not NULL) replaces the one an existing object has. */
static void *find_or_make(struct pcpu_domain *d, const char *name, size_t bytes, size_t size,
			  int kind, uint32_t flags, const struct pcpu_dom_meta *meta)
{
	const struct pcpu_dom_sym *s = pcpu_sym_find_locked(d, name);
	void *p;
	int err;

	/* Readers refuse a histogram type on anything but a histogram, and the reverse. */
	if (meta != NULL && (meta->type == PCPU_META_HISTOGRAM) != (kind == PCPU_SYM_HISTOGRAM))
		return errno = EINVAL, NULL;
	if (s != NULL) {
		if (s->kind != (uint32_t)kind || s->size != size || !same_bounds(d, s, meta))
			return errno = EEXIST, NULL;
		err = meta == NULL
			      ? 0
			      : pcpu_meta_set_locked(d, pcpu_sym_index(d, s), name, s->seq, meta);
		return err != 0 ? (errno = err, NULL) : (void *)(uintptr_t)s->addr;
	}
	p = pcpu_arena_alloc_locked(d, bytes, kind);
	if (p == NULL)
		return NULL;
	err = pcpu_sym_add_locked(d, name, (uintptr_t)p, size, (uint32_t)kind, flags, meta);
	if (err != 0) {
		pcpu_arena_free_locked(d, p, kind);
		return errno = err, NULL;
	}
	return p;
}

void *pcpu_named_alloc(const char *name, size_t bytes, size_t size, int kind, uint32_t flags,
		       const struct pcpu_dom_meta *meta)
{
	struct pcpu_domain *d;
	void *p;
	int err;

	if (name == NULL || *name == '\0' || strlen(name) >= PCPU_DOM_SYM_NAME_MAX)
		return errno = EINVAL, NULL;
	d = pcpu_domain_get();
	if (d == NULL)
		return NULL;
	err = pcpu_dom_lock(d);
	if (err != 0)
		return errno = err, NULL;
	p = find_or_make(d, name, bytes, size, kind, flags, meta);
	err = errno;
	pcpu_dom_unlock(d);
	errno = err;
	return p;
}
