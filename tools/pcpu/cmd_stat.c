/* pcpu stat: totals (and per-CPU values) of counters and integer DPCPU variables. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "json.h"
#include "sample.h"

const char cmd_stat_synopsis[] = "stat [-P] [-w SECONDS] [-c COUNT] [--json] TARGET [GLOB...]";
const char cmd_stat_help[] =
	"Prints every counter and integer DPCPU, zpcpu or registered variable of TARGET with\n"
	"its total, filtered by name GLOBs.\n"
	"  -P, --per-cpu        one more column per CPU present in the domain\n"
	"  -w, --wait SECONDS   repeat every SECONDS with per-second rates, until interrupted\n"
	"  -c, --count COUNT    stop after COUNT samples (interval 1 s without -w)\n"
	"      --json           one JSON document per sample, one per line\n"
	"  -h, --help           this text\n";

struct stat_opts {
	bool percpu, json, watch;
	double interval;
	uint64_t count;
};

static int name_width(const struct selection *sel)
{
	int w = 4;

	for (size_t i = 0; i < sel->nsyms; i++) {
		int n = (int)strlen(sel->syms[i].ks_name);

		w = n > w ? n : w;
	}
	return w;
}

static void print_text(const struct target *t, const struct selection *sel,
		       const struct sample *cur, const struct sample *prev, bool watch)
{
	int w = name_width(sel);
	char v[32], state[32];

	printf("%s%s%s[%d] %s  %s  %zu symbols\n", t->name, *t->name ? " " : "", t->progname,
	       (int)t->pid, target_state_text(t, state, sizeof(state)), t->path, sel->nsyms);
	printf("%-*s %20s", w, "NAME", "TOTAL");
	if (watch)
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
		if (watch && prev)
			printf(" %14.1f", sample_rate(s, prev->total[i], cur->total[i],
						      cur->when - prev->when));
		else if (watch)
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

static void json_value(struct json *j, const struct kvm_sym *s, uint64_t v)
{
	if (sym_is_signed(s))
		json_i64(j, (int64_t)v);
	else
		json_u64(j, v);
}

static void json_symbol(struct json *j, const struct selection *sel, const struct sample *cur,
			const struct sample *prev, size_t i)
{
	const struct kvm_sym *s = &sel->syms[i];
	char cpu[16];

	json_open_object(j);
	json_key(j, "name");
	json_string(j, s->ks_name);
	json_key(j, "kind");
	json_string(j, target_kind_name(s->ks_type));
	json_key(j, "total");
	json_value(j, s, cur->total[i]);
	if (prev) {
		json_key(j, "rate");
		json_double(j,
			    sample_rate(s, prev->total[i], cur->total[i], cur->when - prev->when));
	}
	if (sel->percpu && sym_is_percpu(s)) {
		json_key(j, "per_cpu");
		json_open_object(j);
		for (size_t c = 0; c < sel->ncpus; c++) {
			snprintf(cpu, sizeof(cpu), "%u", sel->cpus[c]);
			json_key(j, cpu);
			json_value(j, s, cur->cpu[i * sel->ncpus + c]);
		}
		json_close_object(j);
	}
	json_close_object(j);
}

static void print_json(const struct target *t, const struct selection *sel,
		       const struct sample *cur, const struct sample *prev)
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

static int run(struct target *t, const struct stat_opts *o, char *const *globs, int nglobs)
{
	struct selection sel;
	struct sample prev = {0}, cur;
	double next = tool_now();
	int rc = 0;

	if (selection_make(t, globs, nglobs, o->percpu, &sel) < 0)
		return TOOL_EXIT_FAIL;
	tool_catch_stop_signals();
	for (uint64_t n = 0; n < o->count; n++) {
		if (n > 0 && !tool_sleep_until(&next, o->interval))
			break;
		if (n > 0 && !o->json)
			putchar('\n');
		if (sample_take(t, &sel, &cur) < 0) {
			rc = TOOL_EXIT_FAIL;
			break;
		}
		target_refresh_state(t);
		if (o->json)
			print_json(t, &sel, &cur, prev.total ? &prev : NULL);
		else
			print_text(t, &sel, &cur, prev.total ? &prev : NULL, o->watch);
		fflush(stdout);
		sample_free(&prev);
		prev = cur;
	}
	sample_free(&prev);
	selection_free(&sel);
	return rc;
}

static const struct option long_opts[] = {
	{"per-cpu", no_argument, NULL, 'P'},	 {"wait", required_argument, NULL, 'w'},
	{"count", required_argument, NULL, 'c'}, {"json", no_argument, NULL, 'j'},
	{"help", no_argument, NULL, 'h'},	 {NULL, 0, NULL, 0},
};

int cmd_stat(int argc, char **argv)
{
	struct stat_opts o = {.interval = 1, .count = 1};
	struct target t;
	bool counted = false;
	int c, rc;

	while ((c = getopt_long(argc, argv, "+Pw:c:h", long_opts, NULL)) != -1) {
		switch (c) {
		case 'P':
			o.percpu = true;
			break;
		case 'w':
			if (tool_parse_interval("interval", optarg, &o.interval) < 0)
				return TOOL_EXIT_FAIL;
			o.watch = true;
			break;
		case 'c':
			if (tool_parse_count("count", optarg, &o.count) < 0)
				return TOOL_EXIT_FAIL;
			counted = true;
			break;
		case 'j':
			o.json = true;
			break;
		case 'h':
			return tool_help();
		default:
			return tool_usage();
		}
	}
	if (optind >= argc)
		return tool_usage();
	if (o.watch && !counted)
		o.count = UINT64_MAX;
	o.watch = o.watch || counted;
	if (target_open(&t, argv[optind]) < 0)
		return TOOL_EXIT_FAIL;
	rc = run(&t, &o, argv + optind + 1, argc - optind - 1);
	target_close(&t);
	return rc;
}
