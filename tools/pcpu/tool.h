/*
 * pcpu(1): the subcommand table and the helpers every subcommand shares (error lines,
 * option values). Exit statuses: 0 success, 1 an error naming the thing and the reason,
 * 2 a usage error.
 */
#ifndef PCPU_TOOL_TOOL_H
#define PCPU_TOOL_TOOL_H

#include <stdbool.h>
#include <stdint.h>

#define TOOL_EXIT_FAIL 1
#define TOOL_EXIT_USAGE 2

/* One subcommand: run() gets argv[0] == the subcommand's name. */
struct tool_cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *synopsis; /* the usage line after "pcpu " */
	const char *help;     /* options and a short description, for --help */
};

extern const struct tool_cmd tool_cmds[];

/* Prints "pcpu CMD: MESSAGE\n" on stderr as one line; returns TOOL_EXIT_FAIL. */
int tool_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Where tool_err's lines go instead of stderr (NULL: stderr again): the line has no
 * newline and is the caller's only during the call. */
typedef void tool_err_sink_fn(const char *line);
void tool_err_sink(tool_err_sink_fn *sink);

/* Prints the usage line of the running subcommand on stderr; returns TOOL_EXIT_USAGE. */
int tool_usage(void);

/* Prints the subcommand's synopsis and help on stdout; returns 0. */
int tool_help(void);

/* Selects the subcommand that tool_err() and tool_usage() name. */
void tool_set_cmd(const struct tool_cmd *cmd);

/* The shortest interval a watch takes: below it a sample would cost more than the
 * interval (every symbol and CPU read), and 1e-9 is a typo, not a wish. */
#define TOOL_MIN_INTERVAL 0.01

/* Parses option values; on a bad value they print the error line and return -1. An
 * interval is decimal seconds from TOOL_MIN_INTERVAL to 86400 (NaN, inf refused). */
int tool_parse_interval(const char *what, const char *s, double *seconds);
int tool_parse_count(const char *what, const char *s, uint64_t *count);
int tool_parse_u64(const char *what, const char *s, uint64_t *v);

/* Sleeps until the absolute CLOCK_MONOTONIC time *next, then advances it by seconds.
 * Returns false when interrupted by SIGINT/SIGTERM (see tool_stop_requested). */
bool tool_sleep_until(double *next, double seconds);
double tool_now(void);
/* CLOCK_REALTIME seconds since the epoch. */
double tool_realtime(void);

/* SIGINT and SIGTERM set a flag instead of killing: watch loops end cleanly. */
void tool_catch_stop_signals(void);
bool tool_stop_requested(void);

#endif
