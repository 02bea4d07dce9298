/* Domains to exposition points. */
#include "metrics.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "domdir.h"
#include "sample.h"
#include "tool.h"

/* What the collection of one domain needs to know about it. */
struct domain {
	struct target *t;
	const char *id;
	double created; /* the domain's creation, seconds since the epoch */
};

/* The symbol's metadata, or the defaults when its entry is malformed: said here for a
 * histogram, by the selection for an integer (once, where this runs again). */
static void sym_meta(const struct domain *d, const struct kvm_sym *s, struct kvm_symmeta *m)
{
	if (kvm_sym_meta(d->t->kd, s, m) != 0 && !sym_is_integer(s))
		tool_err("%s: %s: metadata ignored: %s", d->t->path, s->ks_name,
			 kvm_geterr(d->t->kd));
}

static enum expo_type expo_type_of(int km_type)
{
	switch (km_type) {
	case KVM_METRIC_COUNTER:
		return EXPO_COUNTER;
	case KVM_METRIC_GAUGE:
		return EXPO_GAUGE;
	case KVM_METRIC_HISTOGRAM:
		return EXPO_HISTOGRAM;
	default:
		return EXPO_UNTYPED;
	}
}

/* Label names pcpu sets itself: a program's label of that name is renamed exported_NAME,
 * as Prometheus renames a target's labels that clash with its own. */
static const char *program_label(const char *name, char *buf, size_t len)
{
	if (strcmp(name, "domain") != 0 && strcmp(name, "cpu") != 0 && strcmp(name, "le") != 0)
		return name;
	snprintf(buf, len, "exported_%s", name);
	return buf;
}

/* v * scale; a scale that is 1/N for an integer N (1e-9: nanoseconds to seconds)
 * divides by N instead, since 1e-9 is not exact in binary and 100 / 1e9 rounds to the
 * double nearest 1e-07 where 100 * 1e-9 may not. */
static double scaled(double v, double scale)
{
	double inv = 1 / scale, n = nearbyint(inv);

	return scale < 1 && fabs(inv - n) <= n * 1e-12 ? v / n : v * scale;
}

static void value_text(const struct kvm_sym *s, uint64_t raw, double scale, char *buf, size_t len)
{
	if (scale == 1)
		sample_format(s, raw, buf, len);
	else
		expo_double(scaled(sym_is_signed(s) ? (double)(int64_t)raw : (double)raw, scale),
			    buf, len);
}

/* A symbol's family and labels, from its metadata (l points into the struct). */
struct sym_family {
	struct kvm_symmeta m;
	struct expo_desc desc;
	char *name;
	char help[160];					/* when the program gave none */
	struct expo_label l[KVM_METRIC_LABELS_MAX + 2]; /* and room for cpu */
	char renamed[KVM_METRIC_LABELS_MAX][48];
	size_t n;
	double created; /* counters and histograms: the domain's creation */
};

static const char *kind_help(const struct kvm_sym *s)
{
	return s->ks_type == N_COUNTER	   ? "counter(9)"
	       : s->ks_type == N_HISTOGRAM ? "histogram"
					   : "integer";
}

/* -1 when out of memory. */
static int sym_family(const struct domain *d, const struct kvm_sym *s, struct sym_family *f)
{
	enum expo_type type;

	sym_meta(d, s, &f->m);
	type = expo_type_of(f->m.km_type);
	f->name = *f->m.km_family ? expo_name("", f->m.km_family, type, f->m.km_unit)
				  : expo_name("pcpu_", s->ks_name, type, f->m.km_unit);
	if (!f->name)
		return -1;
	snprintf(f->help, sizeof(f->help), "pcpu %s %s", kind_help(s), s->ks_name);
	f->n = 0;
	f->l[f->n++] = (struct expo_label){"domain", d->id};
	for (int k = 0; k < f->m.km_nlabels; k++)
		f->l[f->n++] =
			(struct expo_label){program_label(f->m.km_labels[k].kl_name, f->renamed[k],
							  sizeof(f->renamed[k])),
					    f->m.km_labels[k].kl_value};
	f->desc = (struct expo_desc){f->name, type, f->m.km_unit,
				     *f->m.km_help ? f->m.km_help : f->help};
	f->created = type == EXPO_COUNTER || type == EXPO_HISTOGRAM ? d->created : 0;
	return 0;
}

/* Says why a point was left out (rc 1: expo_add's conflict) and frees f. */
static int sym_family_done(const struct domain *d, const struct kvm_sym *s, struct sym_family *f,
			   int rc)
{
	if (rc == 1)
		tool_err("%s: %s: family %s has another type or unit in an earlier domain: "
			 "not exported",
			 d->t->path, s->ks_name, f->name);
	free(f->name);
	return rc;
}

/* Adds a point of symbol i: its total, or one per CPU. 1 on a family conflict (said). */
static int add_symbol(struct expo *e, const struct domain *d, const struct selection *sel,
		      const struct sample *smp, size_t i)
{
	const struct kvm_sym *s = &sel->syms[i];
	struct sym_family f;
	char value[32], cpu[16];
	int rc = 0;

	if (sym_family(d, s, &f) < 0)
		return -1;
	if (!sel->percpu || !sym_is_percpu(s)) {
		value_text(s, smp->total[i], f.m.km_scale, value, sizeof(value));
		rc = expo_add(e, &f.desc, f.l, f.n, value, f.created);
	}
	f.l[f.n] = (struct expo_label){"cpu", cpu};
	for (size_t c = 0; rc == 0 && sel->percpu && sym_is_percpu(s) && c < sel->ncpus; c++) {
		snprintf(cpu, sizeof(cpu), "%u", sel->cpus[c]);
		value_text(s, smp->cpu[i * sel->ncpus + c], f.m.km_scale, value, sizeof(value));
		rc = expo_add(e, &f.desc, f.l, f.n + 1, value, f.created);
	}
	return sym_family_done(d, s, &f, rc);
}

/* Adds a histogram's point (its totals, also with -P): buckets made cumulative, bounds
 * and sum scaled. -1 on a read error (printed) or no memory, 1 when left out (said). */
static int add_histogram(struct expo *e, const struct domain *d, const struct kvm_sym *s)
{
	uint64_t buckets[KVM_HIST_BOUNDS_MAX + 1], cumul[KVM_HIST_BOUNDS_MAX + 1], sum;
	double le[KVM_HIST_BOUNDS_MAX];
	struct sym_family f;
	char value[32];
	struct expo_hist h = {.le = le, .cumul = cumul, .sum = value};
	int rc;

	if (sym_family(d, s, &f) < 0)
		return -1;
	if (f.desc.type != EXPO_HISTOGRAM) { /* kvm_sym_meta has no bounds for it */
		tool_err("%s: %s: a histogram without its bounds: not exported", d->t->path,
			 s->ks_name);
		return sym_family_done(d, s, &f, 2);
	}
	if (kvm_histogram_fetch(d->t->kd, s, buckets, &sum) != 0) {
		tool_err("%s: %s: %s", d->t->path, s->ks_name, kvm_geterr(d->t->kd));
		return sym_family_done(d, s, &f, -1);
	}
	h.nbounds = (size_t)f.m.km_nbounds;
	for (size_t i = 0; i <= h.nbounds; i++) {
		cumul[i] = buckets[i] + (i ? cumul[i - 1] : 0);
		if (i < h.nbounds)
			le[i] = scaled((double)f.m.km_bounds[i], f.m.km_scale);
	}
	if (f.m.km_scale == 1)
		snprintf(value, sizeof(value), "%" PRIu64, sum);
	else
		expo_double(scaled((double)sum, f.m.km_scale), value, sizeof(value));
	rc = expo_add_hist(e, &f.desc, f.l, f.n, &h, f.created);
	return sym_family_done(d, s, &f, rc);
}

/* Adds the values of one alive domain or snapshot; -1 on a read error (printed) or no
 * memory. */
static int add_values(struct expo *e, const struct domain *d, const struct metrics_opts *o)
{
	struct selection sel;
	struct sample smp;
	int rc = 0;

	if (selection_make(d->t, NULL, 0, o->percpu, &sel) < 0)
		return -1;
	if (sample_take(d->t, &sel, &smp) < 0) {
		selection_free(&sel);
		return -1;
	}
	for (size_t i = 0; rc >= 0 && i < sel.nsyms; i++)
		rc = add_symbol(e, d, &sel, &smp, i);
	for (size_t i = 0; rc >= 0 && i < d->t->nsyms; i++)
		if (d->t->syms[i].ks_type == N_HISTOGRAM)
			rc = add_histogram(e, d, &d->t->syms[i]);
	sample_free(&smp);
	selection_free(&sel);
	return rc < 0 ? -1 : 0;
}

static const struct expo_desc up_desc = {
	EXPO_FAMILY_UP, EXPO_GAUGE, "",
	"1 when the domain was read and a process holds it (or it is a snapshot), else 0"};
static const struct expo_desc info_desc = {EXPO_FAMILY_INFO, EXPO_INFO, "",
					   "pcpu domain: writer pid, path, program and state"};

static int add_up(struct expo *e, const char *id, int up)
{
	struct expo_label l = {"domain", id};

	return expo_add(e, &up_desc, &l, 1, up ? "1" : "0", 0);
}

static int add_domain(struct expo *e, const struct domain *d, const struct metrics_opts *o)
{
	char pid[16];
	struct expo_label info[] = {{"domain", d->id},
				    {"path", d->t->path},
				    {"pid", pid},
				    {"program", d->t->progname},
				    {"state", target_state(d->t)}};
	bool dead = !d->t->snapshot && !d->t->alive;

	snprintf(pid, sizeof(pid), "%d", (int)d->t->pid);
	if (dead)
		tool_err("%s (%s): dead: no process holds it; its values are not exported", d->id,
			 d->t->path);
	else if (o->log_alive && !d->t->snapshot)
		tool_err("%s (%s): alive, pid %s", d->id, d->t->path, pid);
	if (!dead && add_values(e, d, o) < 0)
		return -1;
	if (expo_add(e, &info_desc, info, 5, "1", 0) < 0)
		return -1;
	return add_up(e, d->id, !dead);
}

/* The identity: name or program, "USER/" before another user's; "#PID" after it when
 * one of taken has it (two unnamed instances of one program). */
static void identity(const struct target *t, char *const *taken, size_t ntaken, char *id,
		     size_t len)
{
	const struct kvm_dominfo *di = kvm_getdominfo(t->kd);
	const char *base = *t->name ? t->name : t->progname;
	char user[64];
	size_t n;

	if (di && di->di_uid != geteuid()) {
		domdir_user_label(di->di_uid, user, sizeof(user));
		snprintf(id, len, "%s/%s", user, base);
	} else {
		snprintf(id, len, "%s", base);
	}
	n = strlen(id);
	for (size_t i = 0; i < ntaken; i++)
		if (strcmp(taken[i], id) == 0)
			snprintf(id + n, len - n, "#%d", (int)t->pid);
}

/* The index of spec's slot, added when new; -1 when out of memory. */
static long slot_of(struct metrics_keep *keep, const char *spec)
{
	struct metrics_slot *v;

	for (size_t i = 0; i < keep->n; i++)
		if (strcmp(keep->v[i].spec, spec) == 0)
			return (long)i;
	v = realloc(keep->v, (keep->n + 1) * sizeof(*v));
	if (!v)
		return -1;
	keep->v = v;
	v = &keep->v[keep->n];
	memset(v, 0, sizeof(*v));
	if (!(v->spec = strdup(spec)))
		return -1;
	snprintf(v->id, sizeof(v->id), "%s", spec); /* until it is read once */
	return (long)keep->n++;
}

static void slot_free(struct metrics_slot *s)
{
	target_close(&s->t);
	free(s->spec);
	free(s->real);
}

/* Closes the slots this collection did not name: their domains are gone. */
static void forget_unseen(struct metrics_keep *keep)
{
	size_t n = 0;

	for (size_t i = 0; i < keep->n; i++) {
		if (!keep->v[i].seen) {
			slot_free(&keep->v[i]);
			continue;
		}
		keep->v[i].seen = false;
		keep->v[n++] = keep->v[i];
	}
	keep->n = n;
}

/* Opens (or reuses) the slot; marks it dup when an earlier one has its file open. */
static void open_slot(struct metrics_keep *keep, const long *idx, size_t k)
{
	struct metrics_slot *s = &keep->v[idx[k]];

	free(s->real);
	s->real = NULL;
	s->ok = target_reuse(&s->t, s->spec) == 0;
	s->dup = false;
	if (s->ok && (s->real = realpath(s->t.path, NULL)) != NULL)
		for (size_t j = 0; j < k && !s->dup; j++)
			s->dup = keep->v[idx[j]].real && strcmp(keep->v[idx[j]].real, s->real) == 0;
}

/* Identities, given first to the domains alive (or snapshots), then to the dead ones: a
 * dead instance left behind does not push the one running now to a "#PID" name. */
static void give_identities(struct metrics_keep *keep, const long *idx, size_t n, char **taken)
{
	size_t ntaken = 0;

	for (int pass = 0; pass < 2; pass++) {
		for (size_t k = 0; k < n; k++) {
			struct metrics_slot *s = &keep->v[idx[k]];
			bool live = s->t.alive || s->t.snapshot;

			if (!s->ok || s->dup || live != (pass == 0))
				continue;
			identity(&s->t, taken, ntaken, s->id, sizeof(s->id));
			taken[ntaken++] = s->id;
		}
	}
}

/* Adds slot s's points, or its up 0 when it could not be read; -1 when out of memory. */
static int collect_slot(struct expo *e, struct metrics_slot *s, const struct metrics_opts *o,
			struct metrics_stats *st)
{
	const struct kvm_dominfo *di = s->ok ? kvm_getdominfo(s->t.kd) : NULL;
	size_t before = e->npt;
	int ok = s->ok;

	if (ok) {
		struct domain d = {&s->t, s->id, di ? (double)di->di_created_ns / 1e9 : 0};

		ok = add_domain(e, &d, o) == 0;
	}
	st->domains += ok;
	st->failed += !ok;
	if (ok)
		return 0;
	target_close(&s->t); /* opened afresh next time */
	expo_truncate(e, before);
	return add_up(e, s->id, 0) < 0 ? -1 : 0;
}

int metrics_collect(struct expo *e, char *const *specs, size_t nspecs, const struct metrics_opts *o,
		    struct metrics_keep *keep, struct metrics_stats *st)
{
	struct metrics_keep once = {0}, *k = keep ? keep : &once;
	long *idx = calloc(nspecs + 1, sizeof(*idx));
	char **taken = calloc(nspecs + 1, sizeof(*taken));
	size_t n = 0;
	int rc = idx && taken ? 0 : -1;

	memset(st, 0, sizeof(*st));
	for (size_t i = 0; rc == 0 && i < nspecs; i++) {
		long j = slot_of(k, specs[i]);

		if (j < 0)
			rc = -1;
		else if (!k->v[j].seen) /* a TARGET named twice is read once */
			idx[n++] = j;
		if (j >= 0)
			k->v[j].seen = true;
	}
	for (size_t i = 0; rc == 0 && i < n; i++)
		open_slot(k, idx, i);
	if (rc == 0)
		give_identities(k, idx, n, taken);
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (!k->v[idx[i]].dup)
			rc = collect_slot(e, &k->v[idx[i]], o, st);
	if (keep)
		forget_unseen(keep);
	else
		metrics_keep_free(&once);
	free(idx);
	free(taken);
	return rc;
}

void metrics_keep_free(struct metrics_keep *keep)
{
	for (size_t i = 0; i < keep->n; i++)
		slot_free(&keep->v[i]);
	free(keep->v);
	memset(keep, 0, sizeof(*keep));
}
