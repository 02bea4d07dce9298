/* Symbol selection and one sample of values read from a target. */
#include "sample.h"

#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

bool sym_is_integer(const struct kvm_sym *s)
{
	return (s->ks_flags & KVM_SYMF_INTEGER) &&
	       (s->ks_size == 1 || s->ks_size == 2 || s->ks_size == 4 || s->ks_size == 8);
}

bool sym_is_percpu(const struct kvm_sym *s)
{
	return s->ks_type != N_DATA;
}

bool sym_is_signed(const struct kvm_sym *s)
{
	return (s->ks_flags & KVM_SYMF_SIGNED) != 0;
}

/* What the writer said the symbol is; a malformed description is said once (at the
 * first selection) and taken for none. */
static int type_of(struct target *t, const struct selection *sel, const struct kvm_sym *s)
{
	struct kvm_symmeta m;

	if (kvm_sym_meta(t->kd, s, &m) == 0)
		return m.km_type;
	if (!sel->judged)
		tool_err("%s: %s: description ignored: %s", t->path, s->ks_name, kvm_geterr(t->kd));
	return s->ks_type == N_COUNTER ? KVM_METRIC_COUNTER : KVM_METRIC_UNTYPED;
}

bool selection_has_rate(const struct selection *sel, size_t i)
{
	return sel->types[i] != KVM_METRIC_GAUGE;
}

static bool matches(const char *name, char *const *globs, int nglobs)
{
	if (nglobs == 0)
		return true;
	for (int i = 0; i < nglobs; i++)
		if (fnmatch(globs[i], name, 0) == 0)
			return true;
	return false;
}

static bool matches_any(const struct selection *sel, char *glob)
{
	for (size_t i = 0; i < sel->nsyms; i++)
		if (fnmatch(glob, sel->syms[i].ks_name, 0) == 0)
			return true;
	return false;
}

/* The CPUs the domain marks present: a 4096-slot test domain on a 2-CPU machine gets
 * two columns, not 4096. */
static int present_cpus(struct target *t, struct selection *sel)
{
	sel->cpus = calloc(sel->maxcpu, sizeof(*sel->cpus));
	if (!sel->cpus) {
		tool_err("%s", strerror(ENOMEM));
		return -1;
	}
	for (unsigned int i = 0; i < sel->maxcpu; i++) {
		struct pcpu *pc = kvm_getpcpu(t->kd, (int)i);

		if (pc == (void *)-1) {
			tool_err("%s: cpu %u: %s", t->path, i, kvm_geterr(t->kd));
			return -1;
		}
		if (pc && pc->pc_present)
			sel->cpus[sel->ncpus++] = i;
		free(pc);
	}
	return 0;
}

static bool same_sym(const struct kvm_sym *a, const struct kvm_sym *b)
{
	return a->ks_type == b->ks_type && a->ks_addr == b->ks_addr &&
	       strcmp(a->ks_name, b->ks_name) == 0;
}

/* Whether the n symbols at v, of the given types, are the selection's, in its order. */
static bool same_syms(const struct selection *sel, const struct kvm_sym *v, const int *types,
		      size_t n)
{
	if (n != sel->nsyms)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!same_sym(&sel->syms[i], &v[i]) || sel->types[i] != types[i])
			return false;
	return true;
}

/* Judged at the first selection only: a later line would tear top's screen. */
static int unmatched(struct target *t, struct selection *sel)
{
	if (sel->judged)
		return 0;
	sel->judged = true;
	for (int g = 0; g < sel->nglobs; g++) {
		if (matches_any(sel, sel->globs[g]))
			continue;
		if (!sel->wait) {
			tool_err("%s: unknown name: no counter or integer variable matches \"%s\"",
				 t->path, sel->globs[g]);
			return -1;
		}
		tool_err("%s: no counter or integer variable matches \"%s\" yet: waiting for one",
			 t->path, sel->globs[g]);
	}
	return 0;
}

/* Selects anew from the symbols t read last. */
static int select_syms(struct target *t, struct selection *sel)
{
	struct kvm_sym *v = calloc(t->nsyms ? t->nsyms : 1, sizeof(*v));
	int *types = calloc(t->nsyms ? t->nsyms : 1, sizeof(*types));
	size_t n = 0;

	if (!v || !types) {
		free(v);
		free(types);
		tool_err("%s", strerror(ENOMEM));
		return -1;
	}
	for (size_t i = 0; i < t->nsyms; i++) {
		if (!sym_is_integer(&t->syms[i]) ||
		    !matches(t->syms[i].ks_name, sel->globs, sel->nglobs))
			continue;
		types[n] = type_of(t, sel, &t->syms[i]);
		v[n++] = t->syms[i];
	}
	if (!same_syms(sel, v, types, n))
		sel->generation++;
	free(sel->syms);
	free(sel->types);
	sel->syms = v;
	sel->types = types;
	sel->nsyms = n;
	return unmatched(t, sel);
}

static int make(struct target *t, char *const *globs, int nglobs, bool percpu, bool wait,
		struct selection *sel)
{
	int maxcpu = kvm_getmaxcpu(t->kd);

	memset(sel, 0, sizeof(*sel));
	if (maxcpu <= 0) {
		tool_err("%s: %s", t->path, kvm_geterr(t->kd));
		return -1;
	}
	sel->maxcpu = (unsigned int)maxcpu;
	sel->percpu = percpu;
	sel->globs = globs;
	sel->nglobs = nglobs;
	sel->wait = wait;
	if (select_syms(t, sel) != 0 || (percpu && present_cpus(t, sel) < 0)) {
		selection_free(sel);
		return -1;
	}
	return 0;
}

int selection_make(struct target *t, char *const *globs, int nglobs, bool percpu,
		   struct selection *sel)
{
	return make(t, globs, nglobs, percpu, false, sel);
}

int selection_make_waiting(struct target *t, char *const *globs, int nglobs, bool percpu,
			   struct selection *sel)
{
	return make(t, globs, nglobs, percpu, true, sel);
}

int selection_update(struct target *t, struct selection *sel)
{
	if (target_reread(t) < 0)
		return -1;
	return select_syms(t, sel);
}

void selection_free(struct selection *sel)
{
	free(sel->syms);
	free(sel->types);
	free(sel->cpus);
	memset(sel, 0, sizeof(*sel));
}

/* One call per selected CPU: the library knows what a symbol's copy means (a counter's
 * value less its adjustment, a signed integer widened). */
static int read_cpu(struct target *t, const struct selection *sel, unsigned int cpu, uint64_t *v)
{
	if (kvm_sym_cpu(t->kd, sel->syms, sel->nsyms, (int)cpu, v) != 0) {
		tool_err("%s: cpu %u: %s", t->path, cpu, kvm_geterr(t->kd));
		return -1;
	}
	return 0;
}

int sample_take(struct target *t, const struct selection *sel, struct sample *s)
{
	size_t ncells = sel->percpu ? sel->nsyms * sel->ncpus : 0;

	s->when = tool_now();
	s->nsyms = sel->nsyms;
	s->syms = malloc((sel->nsyms ? sel->nsyms : 1) * sizeof(*s->syms));
	s->total = calloc(sel->nsyms ? sel->nsyms : 1, sizeof(*s->total));
	s->cpu = calloc(ncells ? ncells : 1, sizeof(*s->cpu));
	if (!s->syms || !s->total || !s->cpu) {
		sample_free(s);
		tool_err("%s", strerror(ENOMEM));
		return -1;
	}
	if (kvm_sym_total(t->kd, sel->syms, sel->nsyms, s->total) != 0) {
		tool_err("%s: %s", t->path, kvm_geterr(t->kd));
		goto fail;
	}
	memcpy(s->syms, sel->syms, sel->nsyms * sizeof(*s->syms));
	if (sel->percpu) {
		uint64_t *v = malloc((sel->nsyms ? sel->nsyms : 1) * sizeof(*v));

		for (size_t c = 0; v != NULL && c < sel->ncpus; c++) {
			if (read_cpu(t, sel, sel->cpus[c], v) < 0) {
				free(v);
				goto fail;
			}
			for (size_t i = 0; i < sel->nsyms; i++)
				s->cpu[i * sel->ncpus + c] =
					sym_is_percpu(&sel->syms[i]) ? v[i] : 0;
		}
		if (v == NULL) {
			tool_err("%s", strerror(ENOMEM));
			goto fail;
		}
		free(v);
	}
	return 0;
fail:
	sample_free(s);
	return -1;
}

void sample_free(struct sample *s)
{
	free(s->syms);
	free(s->total);
	free(s->cpu);
	memset(s, 0, sizeof(*s));
}

size_t sample_find(const struct sample *s, const struct kvm_sym *sym, size_t hint)
{
	if (!s->total)
		return SIZE_MAX;
	if (hint < s->nsyms && same_sym(&s->syms[hint], sym))
		return hint;
	for (size_t i = 0; i < s->nsyms; i++)
		if (same_sym(&s->syms[i], sym))
			return i;
	return SIZE_MAX;
}

void sample_format(const struct kvm_sym *s, uint64_t v, char *buf, size_t len)
{
	if (sym_is_signed(s))
		snprintf(buf, len, "%" PRId64, (int64_t)v);
	else
		snprintf(buf, len, "%" PRIu64, v);
}

double sample_rate(const struct kvm_sym *s, uint64_t prev, uint64_t cur, double seconds)
{
	if (seconds <= 0)
		return 0;
	if (sym_is_signed(s))
		return (double)(int64_t)(cur - prev) / seconds;
	if (cur < prev) /* counter_u64_zero() ran: count from zero, as Prometheus does */
		return (double)cur / seconds;
	return (double)(cur - prev) / seconds;
}
