/* pcpu stat's block, line and JSON outputs. */
#include "stat_print.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "json.h"

/* The rate of symbol i of cur since prev, when it has one and prev sampled it. */
static bool rate_of(const struct selection *sel, const struct sample *cur,
		    const struct sample *prev, size_t i, double *rate)
{
	size_t j;

	if (!prev || !selection_has_rate(sel, i))
		return false;
	j = sample_find(prev, &sel->syms[i], i);
	if (j == SIZE_MAX)
		return false;
	*rate = sample_rate(&sel->syms[i], prev->total[j], cur->total[i], cur->when - prev->when);
	return true;
}

static int name_width(const struct selection *sel)
{
	int w = 4;

	for (size_t i = 0; i < sel->nsyms; i++) {
		int n = (int)strlen(sel->syms[i].ks_name);

		w = n > w ? n : w;
	}
	return w;
}

void stat_print_block(const struct target *t, const struct selection *sel, const struct sample *cur,
		      const struct sample *prev, bool rates)
{
	int w = name_width(sel);
	char v[32], state[32];
	double r;

	printf("%s%s%s[%d] %s  %s  %zu symbols\n", t->name, *t->name ? " " : "", t->progname,
	       (int)t->pid, target_state_text(t, state, sizeof(state)), t->path, sel->nsyms);
	printf("%-*s %20s", w, "NAME", "TOTAL");
	if (rates)
		printf(" %14s", "RATE/s");
	for (size_t c = 0; c < sel->ncpus; c++) {
		snprintf(v, sizeof(v), "CPU%u", sel->cpus[c]);
		printf(" %17s", v);
	}
	putchar('\n');
	for (size_t i = 0; i < sel->nsyms; i++) {
		const struct kvm_sym *s = &sel->syms[i];

		sample_format(s, cur->total[i], v, sizeof(v));
		printf("%-*s %20s", w, s->ks_name, v);
		if (rates && rate_of(sel, cur, prev, i, &r))
			printf(" %14.1f", r);
		else if (rates)
			printf(" %14s", "-");
		for (size_t c = 0; c < sel->ncpus; c++) {
			if (sym_is_percpu(s))
				sample_format(s, cur->cpu[i * sel->ncpus + c], v, sizeof(v));
			else
				strcpy(v, "-");
			printf(" %17s", v);
		}
		putchar('\n');
	}
}

/* A counter's column is its rate ("NAME/s"), any other's its value. */
static bool line_rate(const struct selection *sel, size_t i)
{
	return sel->types[i] == KVM_METRIC_COUNTER;
}

static int column_width(const struct selection *sel, size_t i)
{
	int n = (int)strlen(sel->syms[i].ks_name) + (line_rate(sel, i) ? 2 : 0);

	return n > 12 ? n : 12;
}

static int time_width(bool time_ms)
{
	return time_ms ? 12 : 8;
}

void stat_print_line_header(const struct selection *sel, bool time_ms)
{
	printf("%-*s", time_width(time_ms), "TIME");
	for (size_t i = 0; i < sel->nsyms; i++)
		printf(" %*s%s", column_width(sel, i) - (line_rate(sel, i) ? 2 : 0),
		       sel->syms[i].ks_name, line_rate(sel, i) ? "/s" : "");
	putchar('\n');
}

/* Local wall-clock time, as vmstat -t and sar print it. */
static void print_time(bool time_ms)
{
	struct timespec now;
	struct tm tm;
	char buf[16];

	clock_gettime(CLOCK_REALTIME, &now);
	localtime_r(&now.tv_sec, &tm);
	strftime(buf, sizeof(buf), "%H:%M:%S", &tm);
	if (time_ms)
		printf("%s.%03ld", buf, now.tv_nsec / 1000000);
	else
		fputs(buf, stdout);
}

void stat_print_line(const struct selection *sel, const struct sample *cur,
		     const struct sample *prev, bool time_ms)
{
	char v[32];
	double r;

	print_time(time_ms);
	for (size_t i = 0; i < sel->nsyms; i++) {
		if (!line_rate(sel, i))
			sample_format(&sel->syms[i], cur->total[i], v, sizeof(v));
		else if (rate_of(sel, cur, prev, i, &r))
			snprintf(v, sizeof(v), "%.1f", r);
		else
			strcpy(v, "-");
		printf(" %*s", column_width(sel, i), v);
	}
	putchar('\n');
}

static const char *type_name(int type)
{
	switch (type) {
	case KVM_METRIC_COUNTER:
		return "counter";
	case KVM_METRIC_GAUGE:
		return "gauge";
	case KVM_METRIC_HISTOGRAM:
		return "histogram";
	default:
		return "untyped";
	}
}

static void json_value(struct json *j, const struct kvm_sym *s, uint64_t v)
{
	if (sym_is_signed(s))
		json_i64(j, (int64_t)v);
	else
		json_u64(j, v);
}

/* per_cpu: index = CPU slot, up to the highest present one; absent slots are null. */
static void json_per_cpu(struct json *j, const struct selection *sel, const struct sample *cur,
			 size_t i)
{
	size_t c = 0;

	json_key(j, "per_cpu");
	json_open_array(j);
	for (unsigned int slot = 0; c < sel->ncpus; slot++) {
		if (sel->cpus[c] != slot) {
			json_null(j);
			continue;
		}
		json_value(j, &sel->syms[i], cur->cpu[i * sel->ncpus + c++]);
	}
	json_close_array(j);
}

static void json_symbol(struct json *j, const struct selection *sel, const struct sample *cur,
			const struct sample *prev, size_t i)
{
	const struct kvm_sym *s = &sel->syms[i];
	double r;

	json_open_object(j);
	json_key(j, "name");
	json_string(j, s->ks_name);
	json_key(j, "kind");
	json_string(j, target_kind_name(s->ks_type));
	json_key(j, "metric_type"); /* "type" is kpmap's field code */
	json_string(j, type_name(sel->types[i]));
	json_key(j, "total");
	json_value(j, s, cur->total[i]);
	if (rate_of(sel, cur, prev, i, &r)) {
		json_key(j, "rate");
		json_double(j, r);
	}
	if (sel->percpu && sym_is_percpu(s))
		json_per_cpu(j, sel, cur, i);
	json_close_object(j);
}

void stat_print_json(const struct target *t, const struct selection *sel, const struct sample *cur,
		     const struct sample *prev)
{
	struct json j;
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	json_init(&j, stdout);
	json_open_object(&j);
	json_key(&j, "path");
	json_string(&j, t->path);
	json_key(&j, "name");
	json_string(&j, t->name);
	json_key(&j, "pid");
	json_i64(&j, t->pid);
	json_key(&j, "program");
	json_string(&j, t->progname);
	json_key(&j, "state");
	json_string(&j, target_state(t));
	json_key(&j, "procs");
	json_i64(&j, t->nprocs);
	json_key(&j, "maxcpu");
	json_u64(&j, sel->maxcpu);
	json_key(&j, "time");
	json_double(&j, (double)now.tv_sec + (double)now.tv_nsec / 1e9);
	if (prev) {
		json_key(&j, "interval");
		json_double(&j, cur->when - prev->when);
	}
	json_key(&j, "symbols");
	json_open_array(&j);
	for (size_t i = 0; i < sel->nsyms; i++)
		json_symbol(&j, sel, cur, prev, i);
	json_close_array(&j);
	json_close_object(&j);
	json_end(&j);
}
