/* Error lines, usage, option values and the watch-loop clock shared by all subcommands. */
#include "tool.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const struct tool_cmd *current;
static volatile sig_atomic_t stop_requested;
static tool_err_sink_fn *err_sink;

void tool_set_cmd(const struct tool_cmd *cmd)
{
	current = cmd;
}

int tool_err(const char *fmt, ...)
{
	char *msg = NULL, *line = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n >= 0 && asprintf(&line, "pcpu%s%s: %s", current ? " " : "",
			       current ? current->name : "", msg) >= 0) {
		if (err_sink)
			err_sink(line);
		else
			fprintf(stderr, "%s\n", line);
	} else {
		fputs("pcpu: out of memory\n", stderr);
	}
	free(line);
	free(msg);
	return TOOL_EXIT_FAIL;
}

void tool_err_sink(tool_err_sink_fn *sink)
{
	err_sink = sink;
}

int tool_usage(void)
{
	fprintf(stderr, "usage: pcpu %s\n", current->synopsis);
	fprintf(stderr, "Try 'pcpu %s --help'.\n", current->name);
	return TOOL_EXIT_USAGE;
}

int tool_help(void)
{
	printf("usage: pcpu %s\n\n%s", current->synopsis, current->help);
	return 0;
}

int tool_parse_interval(const char *what, const char *s, double *seconds)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end != '\0' || errno != 0 || !(v >= TOOL_MIN_INTERVAL && v <= 86400)) {
		tool_err("bad %s \"%s\": expected seconds from %g to 86400", what, s,
			 TOOL_MIN_INTERVAL);
		return -1;
	}
	*seconds = v;
	return 0;
}

int tool_parse_u64(const char *what, const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	if (*s == '-' || *s == '\0') {
		errno = EINVAL;
	} else {
		*v = strtoull(s, &end, 0);
		if (*end != '\0')
			errno = EINVAL;
	}
	if (errno != 0) {
		tool_err("bad %s \"%s\": %s", what, s,
			 errno == ERANGE ? "too large" : "expected a non-negative integer");
		return -1;
	}
	return 0;
}

int tool_parse_count(const char *what, const char *s, uint64_t *count)
{
	if (tool_parse_u64(what, s, count) < 0)
		return -1;
	if (*count == 0) {
		tool_err("bad %s \"%s\": expected a count of at least 1", what, s);
		return -1;
	}
	return 0;
}

double tool_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double tool_realtime(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

bool tool_sleep_until(double *next, double seconds)
{
	struct timespec ts;

	*next += seconds;
	ts.tv_sec = (time_t)*next;
	ts.tv_nsec = (long)((*next - (double)ts.tv_sec) * 1e9);
	while (!stop_requested) {
		int rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);

		if (rc == 0)
			return true;
		if (rc != EINTR)
			return false;
	}
	return false;
}

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

void tool_catch_stop_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

bool tool_stop_requested(void)
{
	return stop_requested != 0;
}
