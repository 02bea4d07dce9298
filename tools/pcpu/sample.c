/* Symbol selection and one sample of values read from a target. */
#include "sample.h"

#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

static bool sym_is_integer(const struct kvm_sym *s)
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

int selection_make(struct target *t, char *const *globs, int nglobs, bool percpu,
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
	sel->syms = calloc(t->nsyms ? t->nsyms : 1, sizeof(*sel->syms));
	if (!sel->syms) {
		tool_err("%s", strerror(ENOMEM));
		return -1;
	}
	for (size_t i = 0; i < t->nsyms; i++)
		if (sym_is_integer(&t->syms[i]) && matches(t->syms[i].ks_name, globs, nglobs))
			sel->syms[sel->nsyms++] = t->syms[i];
	for (int g = 0; g < nglobs; g++) {
		if (!matches_any(sel, globs[g])) {
			tool_err("%s: unknown name: no counter or integer variable matches \"%s\"",
				 t->path, globs[g]);
			selection_free(sel);
			return -1;
		}
	}
	if (percpu && present_cpus(t, sel) < 0) {
		selection_free(sel);
		return -1;
	}
	return 0;
}

void selection_free(struct selection *sel)
{
	free(sel->syms);
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
	s->total = calloc(sel->nsyms ? sel->nsyms : 1, sizeof(*s->total));
	s->cpu = calloc(ncells ? ncells : 1, sizeof(*s->cpu));
	if (!s->total || !s->cpu) {
		sample_free(s);
		tool_err("%s", strerror(ENOMEM));
		return -1;
	}
	if (kvm_sym_total(t->kd, sel->syms, sel->nsyms, s->total) != 0) {
		tool_err("%s: %s", t->path, kvm_geterr(t->kd));
		goto fail;
	}
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
	free(s->total);
	free(s->cpu);
	s->total = s->cpu = NULL;
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
