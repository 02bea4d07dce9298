/*
 * pcpu stat's watch forms on a real terminal (tmux): vmstat's TARGET INTERVAL COUNT,
 * the one-line mode with its repeated header, a glob that matches nothing yet and a
 * counter registered during the watch.
 */
#include <criterion/criterion.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/testutil.h"
#include "tools/tmuxrun.h"
#include "tools/toolrun.h"

TestSuite(tools_watch, .fini = tmux_kill, .timeout = 60);

/* The screen's rows, split in place: at most max, the count returned. */
static int rows_of(char *screen, char **rows, int max)
{
	int n = 0;

	for (char *p = screen; p && *p && n < max; n++) {
		rows[n] = p;
		p = strchr(p, '\n');
		if (p)
			*p++ = '\0';
	}
	return n;
}

/* The n-th word of a row (0-based), in a static buffer, or "". */
static const char *word(const char *row, int n)
{
	static char buf[256];

	for (int i = 0;; i++) {
		size_t k;

		row += strspn(row, " ");
		k = strcspn(row, " ");
		if (k == 0)
			return "";
		if (i == n) {
			snprintf(buf, sizeof(buf), "%.*s", (int)k, row);
			return buf;
		}
		row += k;
	}
}

/* HH:MM:SS.mmm, as the one-line mode gives TIME for intervals below a second. */
static bool is_time_ms(const char *s)
{
	const char *pattern = "dd:dd:dd.ddd";

	for (size_t i = 0; pattern[i]; i++)
		if (pattern[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != pattern[i])
			return false;
	return s[strlen(pattern)] == '\0';
}

static char *start(const char *fmt, const char *domain)
{
	char *args, *cmd;

	cr_assert_geq(asprintf(&args, fmt, domain), 0);
	cr_assert_geq(asprintf(&cmd, "%s stat %s", pcpu_binary(), args), 0);
	tmux_start(120, 50, cmd);
	free(args);
	return cmd;
}

Test(tools_watch, target_interval_count_prints_count_blocks_with_rates_from_the_second)
{
	struct writer w;
	char *cmd, *screen, *rows[64], total[32];
	int n, blocks = 0, k = 0;

	writer_start(&w, test_tmpdir(), 2, 1000, NULL);
	cmd = start("%s 0.2 3", w.domain);
	screen = tmux_wait_for("EXIT=");
	n = rows_of(screen, rows, 64);
	snprintf(total, sizeof(total), "%" PRIu64, w.requests);
	for (int i = 0; i < n; i++) {
		blocks += strncmp(rows[i], "NAME ", 5) == 0;
		if (strncmp(rows[i], "test_requests ", 14) != 0)
			continue;
		cr_assert_str_eq(word(rows[i], 1), total, "%s", rows[i]);
		cr_assert_str_eq(word(rows[i], 2), k++ == 0 ? "-" : "0.0", "%s", rows[i]);
	}
	cr_assert_eq(blocks, 3);
	cr_assert_eq(k, 3);
	cr_assert_str_eq(rows[n - 1], "EXIT=0");
	free(screen);
	free(cmd);
	cr_assert_eq(writer_stop(&w), 0);
}

/* -H 3 over 7 samples: header, 3 lines, header, 3 lines, header, 1 line. */
Test(tools_watch, one_line_mode_repeats_its_header_every_n_lines)
{
	struct writer w;
	char *cmd, *screen, *rows[64], hits[32];
	int n, lines = 0;

	writer_start(&w, test_tmpdir(), 2, 1000, NULL);
	cmd = start("-H 3 %s test_requests test_hits 0.1 7", w.domain);
	screen = tmux_wait_for("EXIT=");
	n = rows_of(screen, rows, 64);
	snprintf(hits, sizeof(hits), "%" PRIu64, w.hits);
	cr_assert_eq(n, 11, "%s", cmd);
	for (int i = 0; i < 10; i++) {
		if (i % 4 == 0) {
			cr_assert_str_eq(word(rows[i], 0), "TIME", "row %d: %s", i, rows[i]);
			cr_assert_str_eq(word(rows[i], 1), "test_requests/s", "%s", rows[i]);
			cr_assert_str_eq(word(rows[i], 2), "test_hits", "%s", rows[i]);
			cr_assert_str_eq(word(rows[i], 3), "", "%s", rows[i]);
			continue;
		}
		cr_assert(is_time_ms(word(rows[i], 0)), "row %d: %s", i, rows[i]);
		cr_assert_str_eq(word(rows[i], 1), lines++ == 0 ? "-" : "0.0", "%s", rows[i]);
		cr_assert_str_eq(word(rows[i], 2), hits, "%s", rows[i]);
	}
	cr_assert_eq(lines, 7);
	cr_assert_str_eq(rows[10], "EXIT=0");
	free(screen);
	free(cmd);
	cr_assert_eq(writer_stop(&w), 0);
}

static int count_of(const char *s, const char *what)
{
	int n = 0;

	for (; (s = strstr(s, what)); s++)
		n++;
	return n;
}

/* The watch waits for test_late, said once; once registered it is a column (its header
 * at once), and SIGINT ends the watch with status 0. */
Test(tools_watch, a_glob_of_a_counter_registered_later_waits_for_it_then_shows_it)
{
	struct writer w;
	char *cmd, *screen, *rows[64];
	int n, header = -1;

	writer_start(&w, test_tmpdir(), 1, 10, NULL);
	cmd = start("-l %s test_late 0.1", w.domain);
	free(tmux_wait_for("waiting for one"));
	writer_late(&w);
	free(tmux_wait_for("test_late/s"));
	free(tmux_wait_for(" 0.0\n"));
	tmux_keys("C-c");
	free(tmux_wait_for("EXIT="));
	screen = tmux_history();
	cr_assert_eq(count_of(screen, "no counter or integer variable matches \"test_late\" yet"),
		     1, "%s", screen);
	n = rows_of(screen, rows, 64);
	for (int i = 0; i < n && header < 0; i++)
		if (strcmp(word(rows[i], 1), "test_late/s") == 0)
			header = i;
	cr_assert_gt(header, 1, "time-only lines come first");
	cr_assert_str_eq(word(rows[header - 1], 1), "", "%s", rows[header - 1]);
	cr_assert(is_time_ms(word(rows[header - 1], 0)), "%s", rows[header - 1]);
	cr_assert_str_eq(word(rows[header + 1], 1), "-", "its first line has no rate yet");
	cr_assert_str_eq(word(rows[header + 2], 1), "0.0", "%s", rows[header + 2]);
	cr_assert_not_null(strstr(rows[n - 1], "EXIT=0"), "%s", rows[n - 1]); /* after ^C */
	free(screen);
	free(cmd);
	cr_assert_eq(writer_stop(&w), 0);
}

/* The line has no state column: the writer's death is said once, on stderr. */
Test(tools_watch, one_line_mode_says_when_the_writer_died)
{
	struct writer w;
	char *cmd, *screen;

	writer_start(&w, test_tmpdir(), 1, 10, "PCPU_KEEP=1");
	cmd = start("-l %s test_requests 0.1", w.domain);
	free(tmux_wait_for("test_requests/s"));
	writer_kill(&w);
	free(tmux_wait_for("dead: no process holds the domain any more"));
	tmux_keys("C-c");
	free(tmux_wait_for("EXIT="));
	screen = tmux_history();
	cr_assert_eq(count_of(screen, "dead: no process"), 1, "%s", screen);
	cr_assert_not_null(strstr(screen, "EXIT=0"), "%s", screen);
	free(screen);
	free(cmd);
	writer_cleanup(&w);
}
