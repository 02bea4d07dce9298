/* pcpu top on a real terminal: tmux runs it, capture-pane shows the screen. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/testutil.h"
#include "tools/toolrun.h"

/* A private tmux server per test, so that nothing else's sessions are touched. */
static char tmux[64];

static void tmux_cmd(struct run *r, const char *fmt, const char *arg)
{
	char *cmd, *sub;

	cr_assert_geq(asprintf(&sub, fmt, arg), 0);
	cr_assert_geq(asprintf(&cmd, "tmux -L %s %s", tmux, sub), 0);
	run_sh(r, cmd);
	free(cmd);
	free(sub);
}

static char *capture(void)
{
	struct run r;

	tmux_cmd(&r, "capture-pane -p -t top%s", "");
	cr_assert_eq(r.status, 0, "%s", r.err);
	free(r.err);
	return r.out;
}

/* Waits (at most 10 s) until the screen shows text. */
static void wait_for(const char *text)
{
	for (int i = 0; i < 100; i++) {
		char *screen = capture();
		int found = strstr(screen, text) != NULL;

		free(screen);
		if (found)
			return;
		usleep(100000);
	}
	cr_assert_fail("the screen never showed \"%s\"", text);
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

/* After one more round of the writer, the rates are hits (3 per event) > requests (1)
 * > the weird counter (7 per thread) > balance (-2, negative): top lists them so. */
Test(tools_top, shows_cpu_bars_and_symbols_by_rate_follows_resizes_and_quits_on_q, .timeout = 60)
{
	struct writer w;
	struct run r;
	char *cmd, *screen, total[32];

	snprintf(tmux, sizeof(tmux), "pcpu-test-%d", (int)getpid());
	writer_start(&w, test_tmpdir(), 2, 100000, NULL);
	cr_assert_geq(asprintf(&cmd,
			       "new-session -d -s top -x 120 -y 40 "
			       "'%s top -w 2 %s; echo EXIT=$?; sleep 30'",
			       pcpu_binary(), w.domain),
		      0);
	tmux_cmd(&r, "%s", cmd);
	cr_assert_eq(r.status, 0, "tmux: %s", r.err);
	run_free(&r);
	wait_for(" 0.0 ");
	writer_again(&w); /* between top's first and second samples */
	snprintf(total, sizeof(total), " %" PRIu64 "\n", w.requests);
	wait_for(total); /* the second sample, shown for 2 s */
	screen = capture();
	cr_assert_not_null(strstr(screen, "pcpu top  pcpu_test_writer["), "%s", screen);
	cr_assert_geq(row_of(screen, "CPU "), 0, "%s", screen);
	for (unsigned int c = 0; c < w.ncpus; c++) {
		char cpu[16];

		snprintf(cpu, sizeof(cpu), "%5u ", c);
		cr_assert_geq(row_of(screen, cpu), 0, "no bar for cpu %u:\n%s", c, screen);
	}
	cr_assert_not_null(strstr(screen, "##"), "a bar is drawn:\n%s", screen);
	cr_assert_lt(row_of(screen, "test_hits "), row_of(screen, "test_requests "), "%s", screen);
	cr_assert_lt(row_of(screen, "test_requests "), row_of(screen, "test.weird"), "%s", screen);
	cr_assert_lt(row_of(screen, "test.weird"), row_of(screen, "test_balance "), "%s", screen);
	cr_assert_geq(row_of(screen, "test_hits "), 0, "%s", screen);
	free(screen);

	tmux_cmd(&r, "resize-window -t top -x 60 -y 15%s", "");
	run_free(&r);
	usleep(500000);
	screen = capture();
	cr_assert_geq(row_of(screen, "NAME "), 0, "redrawn at the new size:\n%s", screen);
	cr_assert_eq(strncmp(strchr(screen, '\n'), "\n\n", 2), 0,
		     "the title is clipped to 60 columns, not wrapped onto row 1:\n%s", screen);
	free(screen);

	tmux_cmd(&r, "send-keys -t top q%s", "");
	run_free(&r);
	usleep(500000);
	screen = capture();
	cr_assert_not_null(strstr(screen, "EXIT=0"), "%s", screen);
	free(screen);
	tmux_cmd(&r, "kill-server%s", "");
	run_free(&r);
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
