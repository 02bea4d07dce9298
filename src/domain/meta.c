/*
 * The writer's metadata table (format 2.1): entry i describes symbol i at the seq its
 * entry had when the description was written (domain_format.h). Everything here runs
 * under the domain lock; readers copy entries under their sequence lock
 * (format/publish.h, publication 5).
 */
#include "domain/domain.h"

#include <pcpu/metric.h>

#include <errno.h>
#include <string.h>

#include "format/meta_check.h"
#include "format/publish.h"

_Static_assert(PCPU_METRIC_UNTYPED == PCPU_META_UNTYPED &&
		       PCPU_METRIC_COUNTER == PCPU_META_COUNTER &&
		       PCPU_METRIC_GAUGE == PCPU_META_GAUGE &&
		       PCPU_METRIC_HISTOGRAM == PCPU_META_HISTOGRAM,
	       "public types = format types");
_Static_assert(PCPU_METRIC_FAMILY_MAX == PCPU_META_FAMILY_MAX &&
		       PCPU_METRIC_UNIT_MAX == PCPU_META_UNIT_MAX &&
		       PCPU_METRIC_HELP_MAX == PCPU_META_HELP_MAX &&
		       PCPU_METRIC_LABELS_MAX == PCPU_META_LABELS_MAX &&
		       PCPU_METRIC_LNAME_MAX == PCPU_META_LNAME_MAX &&
		       PCPU_METRIC_LVALUE_MAX == PCPU_META_LVALUE_MAX,
	       "public lengths = format lengths");

static struct pcpu_dom_meta *metas(struct pcpu_domain *d)
{
	return (struct pcpu_dom_meta *)(d->base + d->lay.meta_off);
}

static const struct pcpu_dom_sym *symbols(struct pcpu_domain *d)
{
	return (const struct pcpu_dom_sym *)(d->base + d->lay.sym_off);
}

/* Copies s into a field of len bytes; 0, or EINVAL when it does not fit. */
static int put(char *field, size_t len, const char *s)
{
	if (s == NULL)
		return 0;
	if (strlen(s) >= len)
		return EINVAL;
	strcpy(field, s);
	return 0;
}

static int put_labels(struct pcpu_dom_meta *out, const char *const *labels)
{
	unsigned int n = 0;

	for (const char *const *l = labels; l != NULL && *l != NULL; l += 2, n++) {
		if (n == PCPU_META_LABELS_MAX || l[1] == NULL ||
		    put(out->labels[n].name, sizeof(out->labels[n].name), l[0]) != 0 ||
		    put(out->labels[n].value, sizeof(out->labels[n].value), l[1]) != 0)
			return EINVAL;
	}
	out->nlabels = (uint16_t)n;
	return 0;
}

int pcpu_meta_build(struct pcpu_dom_meta *out, const struct pcpu_metric *m, const uint64_t *bounds,
		    size_t nbounds)
{
	memset(out, 0, sizeof(*out));
	if (m->pm_type < PCPU_METRIC_UNTYPED || m->pm_type > PCPU_METRIC_HISTOGRAM ||
	    (m->pm_type == PCPU_METRIC_HISTOGRAM) != (bounds != NULL) ||
	    nbounds > PCPU_META_BOUNDS_MAX || (m->pm_family != NULL && *m->pm_family == '\0'))
		return EINVAL;
	out->type = (uint16_t)m->pm_type;
	out->flags = PCPU_METAF_SET;
	out->scale = m->pm_scale;
	out->nbounds = (uint16_t)nbounds;
	if (nbounds > 0)
		memcpy(out->bounds, bounds, nbounds * sizeof(*bounds));
	if (put(out->family, sizeof(out->family), m->pm_family) != 0 ||
	    put(out->unit, sizeof(out->unit), m->pm_unit) != 0 ||
	    put(out->help, sizeof(out->help), m->pm_help) != 0 ||
	    put_labels(out, m->pm_labels) != 0)
		return EINVAL;
	return pcpu_meta_check(out) == NULL ? 0 : EINVAL;
}

/* The entry describes the symbol now in slot i. */
static int current(const struct pcpu_dom_meta *m, const struct pcpu_dom_sym *s)
{
	return (m->flags & PCPU_METAF_SET) != 0 && s->kind != PCPU_SYM_FREE && m->sym_seq == s->seq;
}

static const char *family_of(const struct pcpu_dom_meta *m, const char *symbol)
{
	return m->family[0] != '\0' ? m->family : symbol;
}

static int same_labels(const struct pcpu_dom_meta *a, const struct pcpu_dom_meta *b)
{
	if (a->nlabels != b->nlabels)
		return 0;
	for (unsigned int i = 0; i < a->nlabels; i++) {
		unsigned int j = 0;

		while (j < b->nlabels && strcmp(a->labels[i].name, b->labels[j].name) != 0)
			j++;
		if (j == b->nlabels || strcmp(a->labels[i].value, b->labels[j].value) != 0)
			return 0;
	}
	return 1;
}

/* EEXIST when v, describing symbol name in slot index, would give its family a second
 * type, unit or help, or a label set another member has; else 0. */
static int family_conflict(struct pcpu_domain *d, uint32_t index, const char *name,
			   const struct pcpu_dom_meta *v)
{
	const struct pcpu_dom_sym *tab = symbols(d);
	const struct pcpu_dom_meta *mt = metas(d);
	const char *family = family_of(v, name);

	for (uint32_t i = 0; i < d->hdr->sym_count; i++) {
		if (i == index || !current(&mt[i], &tab[i]) ||
		    strcmp(family_of(&mt[i], tab[i].name), family) != 0)
			continue;
		if (mt[i].type != v->type || strcmp(mt[i].unit, v->unit) != 0 ||
		    strcmp(mt[i].help, v->help) != 0 || same_labels(&mt[i], v))
			return EEXIST;
	}
	return 0;
}

int pcpu_meta_set_locked(struct pcpu_domain *d, uint32_t index, const char *name, uint64_t sym_seq,
			 const struct pcpu_dom_meta *v)
{
	struct pcpu_dom_meta *m = &metas(d)[index], entry = {0};
	int err;

	if (v == NULL) {
		/* Left from the slot's earlier symbol (a tombstone keeps its entry), or by a
		 * writer that died between writing it and adding its symbol. */
		if (m->flags != 0)
			pcpu_meta_rewrite(m, &entry);
		return 0;
	}
	err = family_conflict(d, index, name, v);
	if (err != 0)
		return err;
	entry = *v;
	entry.sym_seq = sym_seq;
	pcpu_meta_rewrite(m, &entry);
	return 0;
}

const struct pcpu_dom_meta *pcpu_meta_get_locked(struct pcpu_domain *d, uint32_t index)
{
	const struct pcpu_dom_meta *m = &metas(d)[index];

	return current(m, &symbols(d)[index]) ? m : NULL;
}
