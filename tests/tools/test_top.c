/* pcpu top on a real terminal: tmux runs it, capture-pane shows the screen. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/testutil.h"
#include "tools/tmuxrun.h"
#include "tools/toolrun.h"

TestSuite(tools_top, .fini = tmux_kill);

static const char *line_of(const char *screen, int row)
{
	const char *line = screen;

	for (int i = 0; i < row && line; i++)
		line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL;
	return line;
}

static int row_of(const char *screen, const char *word)
{
	int row = 0;

	for (const char *line = screen; line; line = strchr(line, '\n'), row++) {
		line += *line == '\n';
		if (strncmp(line, word, strlen(word)) == 0)
			return row;
	}
	return -1;
}

/* The RATE/s of a symbol row: the next-to-last word (a name may hold spaces). */
static double rate_of(const char *screen, const char *name)
{
	int row = row_of(screen, name);
	char buf[256], *last, *rate;

	cr_assert_geq(row, 0, "no row %s:\n%s", name, screen);
	snprintf(buf, sizeof(buf), "%.*s", (int)strcspn(line_of(screen, row), "\n"),
		 line_of(screen, row));
	last = strrchr(buf, ' ');
	cr_assert_not_null(last);
	while (last > buf && last[-1] == ' ')
		last--;
	*last = '\0';
	rate = strrchr(buf, ' ');
	cr_assert_not_null(rate);
	return strtod(rate + 1, NULL);
}

/* The EVENTS/s of every CPU row, summed. */
static double events_of(const char *screen, unsigned int ncpus)
{
	double sum = 0;

	for (unsigned int c = 0; c < ncpus; c++) {
		char cpu[16];
		int row;

		snprintf(cpu, sizeof(cpu), "%5u ", c);
		row = row_of(screen, cpu);
		cr_assert_geq(row, 0, "no bar for cpu %u:\n%s", c, screen);
		sum += strtod(line_of(screen, row) + 6, NULL);
	}
	return sum;
}

/*
 * After one more round of the writer, the rates are hits (3 per event) > requests (1)
 * > the weird counter (7 per thread) > balance (a gauge: no rate, last): top lists them
 * so. The CPU bars count the counters alone: requests, weird and hits, which the writer
 * described as a counter; not balance.
 */
Test(tools_top, shows_cpu_bars_of_counters_and_symbols_by_rate_follows_resizes_and_quits_on_q,
     .timeout = 60)
{
	struct writer w;
	char *cmd, *screen, total[32];
	double events, counters;

	writer_start(&w, test_tmpdir(), 2, 100000, NULL);
	writer_type(&w, "test_hits", "counter");
	writer_type(&w, "test_balance", "gauge");
	cr_assert_geq(asprintf(&cmd, "%s top -w 2 %s", pcpu_binary(), w.domain), 0);
	tmux_start(120, 40, cmd);
	free(tmux_wait_for(" 0.0 "));
	writer_again(&w); /* between top's first and second samples */
	snprintf(total, sizeof(total), " %" PRIu64 "\n", w.requests);
	screen = tmux_wait_for(total); /* the second sample, shown for 2 s */
	cr_assert_not_null(strstr(screen, "pcpu top  pcpu_test_writer["), "%s", screen);
	cr_assert_geq(row_of(screen, "CPU "), 0, "%s", screen);
	cr_assert_not_null(strstr(screen, "##"), "a bar is drawn:\n%s", screen);
	cr_assert_lt(row_of(screen, "test_hits "), row_of(screen, "test_requests "), "%s", screen);
	cr_assert_lt(row_of(screen, "test_requests "), row_of(screen, "test.weird"), "%s", screen);
	cr_assert_lt(row_of(screen, "test.weird"), row_of(screen, "test_balance "), "%s", screen);
	cr_assert_geq(row_of(screen, "test_hits "), 0, "%s", screen);
	/* each printed rate is rounded to 0.1: half of it per row either way */
	events = events_of(screen, w.ncpus);
	counters = rate_of(screen, "test_requests ") + rate_of(screen, "test.weird") +
		   rate_of(screen, "test_hits ");
	cr_assert_not_null(strstr(line_of(screen, row_of(screen, "test_balance ")), " - "),
			   "no rate for a gauge:\n%s", screen);
	cr_assert_gt(counters, 0, "%s", screen);
	cr_assert_leq(fabs(events - counters), 0.05 * (w.ncpus + 2), "EVENTS/s %.1f of %.1f:\n%s",
		      events, counters, screen);
	free(screen);

	/* a counter registered now is on the next refresh, without a rate until the one after */
	writer_late(&w);
	screen = tmux_wait_for("test_late ");
	free(screen);

	tmux_resize(60, 15);
	usleep(500000);
	screen = tmux_capture();
	cr_assert_geq(row_of(screen, "NAME "), 0, "redrawn at the new size:\n%s", screen);
	cr_assert_eq(strncmp(strchr(screen, '\n'), "\n\n", 2), 0,
		     "the title is clipped to 60 columns, not wrapped onto row 1:\n%s", screen);
	free(screen);

	tmux_keys("q");
	free(tmux_wait_for("EXIT=0"));
	free(cmd);
	cr_assert_eq(writer_stop(&w), 0);
}

Test(tools_top, refuses_to_run_without_a_terminal)
{
	struct run r;

	run_pcpu(&r, "top", "/nonexistent", NULL);
	cr_assert_eq(r.status, 1);
	cr_assert_not_null(strstr(r.err, "needs a terminal"), "%s", r.err);
	run_free(&r);
}

/* A pattern that matches nothing yet: top waits for it, on screen, until it does. */
Test(tools_top, waits_for_a_pattern_that_matches_nothing_yet, .timeout = 60)
{
	struct writer w;
	char *cmd;

	writer_start(&w, test_tmpdir(), 1, 10, NULL);
	cr_assert_geq(asprintf(&cmd, "%s top -w 0.2 %s test_late", pcpu_binary(), w.domain), 0);
	tmux_start(100, 20, cmd);
	free(tmux_wait_for("waiting: no counter or integer variable matches"));
	writer_late(&w);
	free(tmux_wait_for("test_late "));
	tmux_keys("q");
	free(tmux_wait_for("EXIT=0"));
	free(cmd);
	cr_assert_eq(writer_stop(&w), 0);
}
