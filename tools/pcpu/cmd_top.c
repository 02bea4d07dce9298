/* pcpu top: a full-screen live view of a target's rates, per CPU and per symbol. */
#include <curses.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "sample.h"

const char cmd_top_synopsis[] = "top [-w SECONDS] TARGET [GLOB...]";
const char cmd_top_help[] =
	"A full-screen view refreshed every SECONDS (default 1): one bar per CPU with the\n"
	"events per second counted on it (the selected counters), then every symbol with its\n"
	"rate (none for a gauge) and total, highest rate first. The symbols are read again\n"
	"on every refresh. Follows the terminal's size; q quits.\n"
	"  -w, --wait SECONDS   refresh interval (0.01 to 86400)\n"
	"  -h, --help           this text\n";

struct view {
	struct target *t;
	struct selection sel;
	struct sample last;  /* the latest sample, shown; last.total is NULL at first */
	struct sample fresh; /* the sample being taken */
	double interval;
	size_t *order;	  /* symbol indices, highest rate first */
	double *sym_rate; /* per symbol; NaN: none (a gauge, or a first sample) */
	double *cpu_rate; /* per CPU column */
};

static double rate(const struct view *v, size_t i, uint64_t prev, uint64_t cur)
{
	return sample_rate(&v->sel.syms[i], prev, cur, v->fresh.when - v->last.when);
}

static int by_rate(const void *a, const void *b, void *arg)
{
	const struct view *v = arg;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	double rx = v->sym_rate[x], ry = v->sym_rate[y];

	if (isnan(rx) != isnan(ry))
		return isnan(rx) ? 1 : -1;
	if (rx != ry && !isnan(rx))
		return rx < ry ? 1 : -1;
	return strcmp(v->sel.syms[x].ks_name, v->sel.syms[y].ks_name);
}

/* Rates from last to fresh; then fresh becomes last. EVENTS/s counts counters only:
 * adding bytes, gauges or raw integers to requests would mean nothing. */
static void compute(struct view *v)
{
	size_t nc = v->sel.ncpus;

	memset(v->cpu_rate, 0, nc * sizeof(*v->cpu_rate));
	for (size_t i = 0; i < v->sel.nsyms; i++) {
		size_t j = selection_has_rate(&v->sel, i)
				   ? sample_find(&v->last, &v->sel.syms[i], i)
				   : SIZE_MAX;

		v->order[i] = i;
		v->sym_rate[i] =
			j == SIZE_MAX ? NAN : rate(v, i, v->last.total[j], v->fresh.total[i]);
		if (j == SIZE_MAX || v->sel.types[i] != KVM_METRIC_COUNTER)
			continue;
		for (size_t c = 0; c < nc; c++)
			v->cpu_rate[c] +=
				rate(v, i, v->last.cpu[j * nc + c], v->fresh.cpu[i * nc + c]);
	}
	qsort_r(v->order, v->sel.nsyms, sizeof(*v->order), by_rate, v);
	sample_free(&v->last);
	v->last = v->fresh;
	memset(&v->fresh, 0, sizeof(v->fresh));
}

/* Prints row y clipped to the screen's width: mvprintw would wrap a long row onto the
 * next one, which a narrow terminal then shows garbled. */
static void __attribute__((format(printf, 2, 3))) row(int y, const char *fmt, ...)
{
	char *buf;
	int n;
	va_list ap;

	va_start(ap, fmt);
	n = vasprintf(&buf, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	mvaddnstr(y, 0, buf, COLS);
	free(buf);
}

static void bar(int y, int x, int width, double value, double max)
{
	int n = max > 0 ? (int)(value / max * width + 0.5) : 0;

	move(y, x);
	for (int i = 0; i < width; i++)
		addch(i < n ? '#' : ' ');
}

static int draw_cpus(const struct view *v, int y)
{
	double max = 0;
	int width = COLS - 22;

	for (size_t c = 0; c < v->sel.ncpus; c++)
		max = v->cpu_rate[c] > max ? v->cpu_rate[c] : max;
	attron(A_REVERSE);
	row(y++, "%-5s %14s  %-*s", "CPU", "EVENTS/s", width > 0 ? width : 0, "");
	attroff(A_REVERSE);
	for (size_t c = 0; c < v->sel.ncpus && y < LINES - 3; c++, y++) {
		row(y, "%5u %14.1f ", v->sel.cpus[c], v->cpu_rate[c]);
		if (width > 0)
			bar(y, 21, width, v->cpu_rate[c], max);
	}
	return y + 1;
}

static void draw_syms(const struct view *v, int y)
{
	int w = COLS - 38 > 4 ? COLS - 38 : 4;
	char total[32];

	attron(A_REVERSE);
	row(y++, "%-*s %14s %21s", w, "NAME", "RATE/s", "TOTAL");
	attroff(A_REVERSE);
	for (size_t k = 0; k < v->sel.nsyms && y < LINES; k++, y++) {
		size_t i = v->order[k];

		sample_format(&v->sel.syms[i], v->last.total[i], total, sizeof(total));
		if (isnan(v->sym_rate[i]))
			row(y, "%-*.*s %14s %21s", w, w, v->sel.syms[i].ks_name, "-", total);
		else
			row(y, "%-*.*s %14.1f %21s", w, w, v->sel.syms[i].ks_name, v->sym_rate[i],
			    total);
	}
}

static void draw(const struct view *v)
{
	char state[32];

	erase();
	row(0, "pcpu top  %s[%d] %s  %zu CPUs  %zu symbols  every %.1fs  q quits", v->t->progname,
	    (int)v->t->pid, target_state_text(v->t, state, sizeof(state)), v->sel.ncpus,
	    v->sel.nsyms, v->interval);
	if (v->sel.nsyms == 0 && v->sel.nglobs > 0)
		row(1, "waiting: no counter or integer variable matches the patterns yet");
	draw_syms(v, draw_cpus(v, 2));
	refresh();
}

/* Waits for the next refresh, redrawing on resize; false when q or a signal ends it. */
static bool wait_key(const struct view *v, double deadline)
{
	for (;;) {
		double left = deadline - tool_now();
		int ch;

		if (tool_stop_requested())
			return false;
		if (left <= 0)
			return true;
		timeout((int)(left * 1000) + 1);
		ch = getch();
		if (ch == 'q' || ch == 'Q')
			return false;
		if (ch == KEY_RESIZE)
			draw(v);
	}
}

/* Sizes the per-symbol arrays for the selection (it grows as symbols appear). */
static int fit(struct view *v)
{
	size_t n = v->sel.nsyms + 1;
	size_t *order = realloc(v->order, n * sizeof(*order));
	double *rates = order ? realloc(v->sym_rate, n * sizeof(*rates)) : NULL;

	v->order = order ? order : v->order;
	v->sym_rate = rates ? rates : v->sym_rate;
	return rates ? 0 : tool_err("out of memory");
}

static int loop(struct view *v)
{
	double next = tool_now();

	for (bool first = true;; first = false) {
		if ((!first && selection_update(v->t, &v->sel) < 0) || fit(v) != 0 ||
		    sample_take(v->t, &v->sel, &v->fresh) < 0)
			return TOOL_EXIT_FAIL;
		target_refresh_state(v->t);
		compute(v);
		draw(v);
		next += v->interval;
		if (!wait_key(v, next))
			return 0;
	}
}

static int run(struct view *v, char *const *globs, int nglobs)
{
	SCREEN *scr;
	int rc;

	if (selection_make_waiting(v->t, globs, nglobs, true, &v->sel) < 0)
		return TOOL_EXIT_FAIL;
	v->cpu_rate = calloc(v->sel.ncpus + 1, sizeof(*v->cpu_rate));
	scr = v->cpu_rate ? newterm(NULL, stdout, stdin) : NULL;
	if (!scr) {
		rc = tool_err("cannot start the screen (TERM=%s)",
			      getenv("TERM") ? getenv("TERM") : "unset");
	} else {
		tool_catch_stop_signals();
		cbreak();
		noecho();
		keypad(stdscr, TRUE);
		curs_set(0);
		rc = loop(v);
		endwin();
		delscreen(scr);
	}
	sample_free(&v->last);
	free(v->order);
	free(v->sym_rate);
	free(v->cpu_rate);
	selection_free(&v->sel);
	return rc;
}

static const struct option long_opts[] = {
	{"wait", required_argument, NULL, 'w'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

int cmd_top(int argc, char **argv)
{
	struct view v = {.interval = 1};
	struct target t;
	int c, rc;

	while ((c = getopt_long(argc, argv, "+w:h", long_opts, NULL)) != -1) {
		switch (c) {
		case 'w':
			if (tool_parse_interval("interval", optarg, &v.interval) < 0)
				return TOOL_EXIT_FAIL;
			break;
		case 'h':
			return tool_help();
		default:
			return tool_usage();
		}
	}
	if (optind >= argc)
		return tool_usage();
	if (!isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO))
		return tool_err("needs a terminal; use 'pcpu stat -w SECONDS' otherwise");
	if (target_open(&t, argv[optind]) < 0)
		return TOOL_EXIT_FAIL;
	v.t = &t;
	rc = run(&v, argv + optind + 1, argc - optind - 1);
	target_close(&t);
	return rc;
}
