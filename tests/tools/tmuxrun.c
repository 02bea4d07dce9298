/* tmux sessions of the pcpu(1) tests. */
#include "tmuxrun.h"

#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools/toolrun.h"

#define SESSION "t"

/* Runs "tmux -L pcpu-test-PID ARGS" and returns its output (caller frees). */
static char *tmux(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *tmux(const char *fmt, ...)
{
	struct run r;
	char *args, *cmd;
	va_list ap;

	va_start(ap, fmt);
	cr_assert_geq(vasprintf(&args, fmt, ap), 0);
	va_end(ap);
	cr_assert_geq(asprintf(&cmd, "tmux -L pcpu-test-%d %s", (int)getpid(), args), 0);
	run_sh(&r, cmd);
	cr_assert_eq(r.status, 0, "%s: %s", cmd, r.err);
	free(r.err);
	free(cmd);
	free(args);
	return r.out;
}

void tmux_start(int cols, int rows, const char *cmd)
{
	free(tmux("new-session -d -s " SESSION " -x %d -y %d '%s; echo EXIT=$?; sleep 60'", cols,
		  rows, cmd));
}

/* The rows below the last one written are empty: they are left out. */
static char *trimmed(char *screen)
{
	size_t n = strlen(screen);

	while (n > 0 && screen[n - 1] == '\n')
		n--;
	strcpy(screen + n, n ? "\n" : "");
	return screen;
}

char *tmux_capture(void)
{
	return trimmed(tmux("capture-pane -p -t " SESSION));
}

char *tmux_history(void)
{
	return trimmed(tmux("capture-pane -p -S - -t " SESSION));
}

char *tmux_wait_for(const char *text)
{
	char *screen = NULL;

	for (int i = 0; i < 100; i++) {
		free(screen);
		screen = tmux_capture();
		if (strstr(screen, text))
			return screen;
		usleep(100000);
	}
	cr_assert_fail("the screen never showed \"%s\":\n%s", text, screen);
	return NULL;
}

void tmux_keys(const char *keys)
{
	free(tmux("send-keys -t " SESSION " %s", keys));
}

void tmux_resize(int cols, int rows)
{
	free(tmux("resize-window -t " SESSION " -x %d -y %d", cols, rows));
}

void tmux_kill(void)
{
	struct run r;
	char *cmd;

	/* also after a failed assertion: no server (status 1) is fine then */
	cr_assert_geq(asprintf(&cmd, "tmux -L pcpu-test-%d kill-server", (int)getpid()), 0);
	run_sh(&r, cmd);
	run_free(&r);
	free(cmd);
}
