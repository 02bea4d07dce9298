/*
 * Running a pcpu command on a real terminal: a detached tmux session of a fixed size on a
 * private server (tmux -L, one per test process, so nothing else's sessions are touched),
 * its screen read with capture-pane.
 */
#ifndef PCPU_TESTS_TOOLS_TMUXRUN_H
#define PCPU_TESTS_TOOLS_TMUXRUN_H

/* Starts the session running the shell command cmd, then "echo EXIT=$?" and a pause,
 * so that the screen and the exit status stay to be read. */
void tmux_start(int cols, int rows, const char *cmd);
/* The screen, one line per row up to the last one written (caller frees); and the same
 * with the rows scrolled off above it. */
char *tmux_capture(void);
char *tmux_history(void);
/* Waits (at most 10 s) until the screen shows text; returns the screen then. */
char *tmux_wait_for(const char *text);
/* tmux send-keys, resize-window, kill-server (a .fini: there may be no server). */
void tmux_keys(const char *keys);
void tmux_resize(int cols, int rows);
void tmux_kill(void);

#endif
