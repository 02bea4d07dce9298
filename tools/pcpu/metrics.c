/* Targets to exposition series. */
#include "metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sample.h"

static int add_symbol(struct expo *e, const struct target *t, const struct selection *sel,
		      const struct sample *smp, size_t i, const char *pid)
{
	const struct kvm_sym *s = &sel->syms[i];
	int counter = s->ks_type == N_COUNTER;
	char *family = expo_family(s->ks_name, counter);
	char help[160], value[32], cpu[16];
	struct expo_label l[] = {{"domain", t->path},
				 {"pid", pid},
				 {"program", t->progname},
				 {"symbol", s->ks_name},
				 {"cpu", cpu}};
	int rc = 0;

	if (!family)
		return -1;
	snprintf(help, sizeof(help), "pcpu %s %s", counter ? "counter(9)" : "integer", s->ks_name);
	if (!sel->percpu || !sym_is_percpu(s)) {
		sample_format(s, smp->total[i], value, sizeof(value));
		rc = expo_add(e, family, counter ? "counter" : "gauge", help, l, 4, value);
	}
	for (size_t c = 0; rc == 0 && sel->percpu && sym_is_percpu(s) && c < sel->ncpus; c++) {
		snprintf(cpu, sizeof(cpu), "%u", sel->cpus[c]);
		sample_format(s, smp->cpu[i * sel->ncpus + c], value, sizeof(value));
		rc = expo_add(e, family, counter ? "counter" : "gauge", help, l, 5, value);
	}
	free(family);
	return rc;
}

/* Adds the series of one opened target; -1 on a read error (printed) or no memory. */
static int add_target(struct expo *e, struct target *t, const struct metrics_opts *o)
{
	struct selection sel;
	struct sample smp;
	char pid[16];
	struct expo_label info[] = {{"domain", t->path},
				    {"pid", pid},
				    {"program", t->progname},
				    {"state", target_state(t)}};
	int rc = 0;

	snprintf(pid, sizeof(pid), "%d", (int)t->pid);
	if (selection_make(t, o->globs, o->nglobs, o->percpu, &sel) < 0)
		return -1;
	if (sample_take(t, &sel, &smp) < 0) {
		selection_free(&sel);
		return -1;
	}
	rc = expo_add(e, EXPO_FAMILY_INFO, "gauge", "pcpu domain: writer pid, program and state",
		      info, 4, "1");
	for (size_t i = 0; rc == 0 && i < sel.nsyms; i++)
		rc = add_symbol(e, t, &sel, &smp, i, pid);
	sample_free(&smp);
	selection_free(&sel);
	return rc;
}

/* Whether an earlier target resolved to the same file: its series would repeat. */
static bool seen_before(char **paths, int n, const char *path)
{
	for (int i = 0; i < n; i++)
		if (paths[i] && strcmp(paths[i], path) == 0)
			return true;
	return false;
}

int metrics_collect(struct expo *e, char *const *targets, int ntargets,
		    const struct metrics_opts *o, struct target *keep)
{
	char **paths = calloc((size_t)ntargets + 1, sizeof(*paths));
	int failed = 0;

	if (!paths)
		return -1;
	for (int i = 0; i < ntargets; i++) {
		struct target one, *t = keep ? &keep[i] : &one;
		size_t before = e->n;
		int ok = (keep ? target_reuse(t, targets[i]) : target_open(t, targets[i])) == 0;
		struct expo_label up = {"target", targets[i]};

		if (ok) {
			paths[i] = realpath(t->path, NULL);
			if (!paths[i] || !seen_before(paths, i, paths[i]))
				ok = add_target(e, t, o) == 0;
			if (!keep || !ok) /* a kept target that failed is opened afresh */
				target_close(t);
		}
		if (!ok)
			expo_truncate(e, before);
		failed += !ok;
		if (expo_add(e, EXPO_FAMILY_UP, "gauge",
			     "1 when pcpu read the target at this scrape, 0 when it failed", &up, 1,
			     ok ? "1" : "0") < 0) {
			failed = -1;
			break;
		}
	}
	for (int i = 0; i < ntargets; i++)
		free(paths[i]);
	free(paths);
	return failed;
}
