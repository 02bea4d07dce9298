/* pcpu stat: totals (and per-CPU values) of counters and integer DPCPU variables. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "sample.h"
#include "stat_print.h"

const char cmd_stat_synopsis[] =
	"stat [-P] [-l] [-H LINES] [-w SECONDS] [-c COUNT] [--json] TARGET [GLOB...] "
	"[INTERVAL [COUNT]]";
const char cmd_stat_help[] =
	"Prints every counter and integer DPCPU, zpcpu or registered variable of TARGET with\n"
	"its total, filtered by name GLOBs. INTERVAL and COUNT, as vmstat takes them, are the\n"
	"-w and -c values: an argument after TARGET that is wholly a number (1, 0.5, 2e3, -1)\n"
	"is INTERVAL, the next one COUNT; a GLOB of digits is written with a backslash (\\1).\n"
	"  -P, --per-cpu        one more column per CPU present in the domain\n"
	"  -l, --line           one line per sample: TIME, then a column per symbol (a\n"
	"                       counter's rate, NAME/s, any other's value)\n"
	"  -H, --header LINES   with -l, repeat the header every LINES samples (implies -l)\n"
	"  -w, --wait SECONDS   repeat every SECONDS (0.01 to 86400) with per-second rates,\n"
	"                       reading the symbols again each time, until interrupted\n"
	"  -c, --count COUNT    stop after COUNT samples (interval 1 s without -w)\n"
	"      --json           one JSON document per sample, one per line\n"
	"  -h, --help           this text\n";

struct stat_opts {
	bool percpu, json, line, watch, counted;
	uint64_t header_every; /* 0: the header once */
	double interval;
	uint64_t count;
};

/* Whether a TARGET-less argument is a number, INTERVAL or COUNT, rather than a GLOB: it
 * reads wholly as one and starts as one ("inf" and "nan" are names). */
static bool is_number(const char *s)
{
	char *end;

	if (!strchr("0123456789.+-", s[0]) || s[0] == '\0')
		return false;
	(void)strtod(s, &end);
	return end != s && *end == '\0';
}

/* The k-th number after TARGET: INTERVAL, then COUNT. */
static int number(struct stat_opts *o, const char *arg, int k)
{
	bool *given = k == 0 ? &o->watch : &o->counted;

	if (k > 1 || *given) {
		tool_err("\"%s\": %s", arg,
			 k > 1	  ? "a third number, after INTERVAL and COUNT"
			 : k == 0 ? "INTERVAL given, and -w too"
				  : "COUNT given, and -c too");
		return -1;
	}
	*given = true;
	if (k == 0)
		return tool_parse_interval("interval", arg, &o->interval);
	return tool_parse_count("count", arg, &o->count);
}

/* Takes the numbers among the arguments after TARGET as INTERVAL and COUNT, moving the
 * GLOBs to the front; returns the number of GLOBs, or -1 (error printed). An option
 * there is a mistake ("pcpu stat 4242 -w 1"), not a GLOB to wait for. */
static int split_args(struct stat_opts *o, char **args, int n)
{
	int nglobs = 0, nnumbers = 0;

	for (int i = 0; i < n; i++) {
		if (args[i][0] == '-' && !is_number(args[i])) {
			tool_err("\"%s\": options go before TARGET (a GLOB of a leading - is "
				 "written [-]...)",
				 args[i]);
			return -1;
		}
		if (!is_number(args[i])) {
			args[nglobs++] = args[i];
			continue;
		}
		if (number(o, args[i], nnumbers++) < 0)
			return -1;
	}
	return nglobs;
}

/* What the one-line form remembers from line to line. */
struct line_state {
	uint64_t header_gen; /* the selection's generation under the last header */
	uint64_t lines;	     /* printed since the last header */
	bool was_alive;
};

static void print(const struct target *t, const struct stat_opts *o, const struct selection *sel,
		  const struct sample *cur, const struct sample *prev, uint64_t n,
		  struct line_state *ls)
{
	bool ms = o->interval < 1;

	if (o->json) {
		stat_print_json(t, sel, cur, prev);
		return;
	}
	if (!o->line) {
		if (n > 0)
			putchar('\n');
		stat_print_block(t, sel, cur, prev, o->watch);
		return;
	}
	/* The line has no state column: a change of state is said where errors are. */
	if (n > 0 && t->alive != ls->was_alive)
		tool_err("%s: %s", t->path,
			 t->alive ? "alive again" : "dead: no process holds the domain any more");
	ls->was_alive = t->alive;
	/* A new symbol is a new column: the header says so at once. */
	if (n == 0 || sel->generation != ls->header_gen ||
	    (o->header_every && ls->lines == o->header_every)) {
		stat_print_line_header(sel, ms);
		ls->header_gen = sel->generation;
		ls->lines = 0;
	}
	stat_print_line(sel, cur, prev, ms);
	ls->lines++;
}

static int run(struct target *t, const struct stat_opts *o, char *const *globs, int nglobs)
{
	struct selection sel;
	struct sample prev = {0}, cur;
	struct line_state ls = {0};
	double next = tool_now();
	int rc = 0;

	if ((o->count > 1 ? selection_make_waiting : selection_make)(t, globs, nglobs, o->percpu,
								     &sel) < 0)
		return TOOL_EXIT_FAIL;
	tool_catch_stop_signals();
	for (uint64_t n = 0; n < o->count; n++) {
		if (n > 0 && !tool_sleep_until(&next, o->interval))
			break;
		if ((n > 0 && selection_update(t, &sel) < 0) || sample_take(t, &sel, &cur) < 0) {
			rc = TOOL_EXIT_FAIL;
			break;
		}
		target_refresh_state(t);
		print(t, o, &sel, &cur, prev.total ? &prev : NULL, n, &ls);
		fflush(stdout);
		sample_free(&prev);
		prev = cur;
	}
	sample_free(&prev);
	selection_free(&sel);
	return rc;
}

static const struct option long_opts[] = {
	{"per-cpu", no_argument, NULL, 'P'},	  {"line", no_argument, NULL, 'l'},
	{"header", required_argument, NULL, 'H'}, {"wait", required_argument, NULL, 'w'},
	{"count", required_argument, NULL, 'c'},  {"json", no_argument, NULL, 'j'},
	{"help", no_argument, NULL, 'h'},	  {NULL, 0, NULL, 0},
};

/* Parses the options: PARSED, or the exit status (after --help, or an error). */
#define PARSED (-1)
static int parse(struct stat_opts *o, int argc, char **argv)
{
	int c;

	while ((c = getopt_long(argc, argv, "+PlH:w:c:h", long_opts, NULL)) != -1) {
		switch (c) {
		case 'P':
			o->percpu = true;
			break;
		case 'H':
			if (tool_parse_count("header interval", optarg, &o->header_every) < 0)
				return TOOL_EXIT_FAIL;
			/* fall through */
		case 'l':
			o->line = true;
			break;
		case 'w':
			if (tool_parse_interval("interval", optarg, &o->interval) < 0)
				return TOOL_EXIT_FAIL;
			o->watch = true;
			break;
		case 'c':
			if (tool_parse_count("count", optarg, &o->count) < 0)
				return TOOL_EXIT_FAIL;
			o->counted = true;
			break;
		case 'j':
			o->json = true;
			break;
		case 'h':
			return tool_help();
		default:
			return tool_usage();
		}
	}
	if (optind >= argc)
		return tool_usage();
	if (o->line && (o->json || o->percpu))
		return tool_err("-l (one line per sample) takes neither %s",
				o->json ? "--json" : "-P");
	return PARSED;
}

int cmd_stat(int argc, char **argv)
{
	struct stat_opts o = {.interval = 1, .count = 1};
	struct target t;
	int rc = parse(&o, argc, argv), nglobs;

	if (rc != PARSED)
		return rc;
	nglobs = split_args(&o, argv + optind + 1, argc - optind - 1);
	if (nglobs < 0)
		return TOOL_EXIT_FAIL;
	if (o.watch && !o.counted)
		o.count = UINT64_MAX;
	o.watch = o.watch || o.counted;
	if (target_open(&t, argv[optind]) < 0)
		return TOOL_EXIT_FAIL;
	rc = run(&t, &o, argv + optind + 1, nglobs);
	target_close(&t);
	return rc;
}
