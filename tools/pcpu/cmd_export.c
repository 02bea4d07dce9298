/* pcpu export: the Prometheus text exposition of targets, on stdout. */
#include <getopt.h>
#include <stdio.h>

#include "commands.h"
#include "metrics.h"

const char cmd_export_synopsis[] = "export [-P] [--openmetrics] TARGET...";
const char cmd_export_help[] =
	"Prints the counters and integer variables of every TARGET in the Prometheus text\n"
	"exposition format 0.0.4 (or OpenMetrics 1.0.0): a family per counter, variable or\n"
	"histogram with the type, unit, help and labels its program gave (else a counter is\n"
	"pcpu_<name>_total, a variable untyped pcpu_<name>), each series labelled domain\n"
	"(the domain's name, or its program's); pcpu_domain_info gives each domain's pid,\n"
	"path, program and state, pcpu_domain_up 1 when it was read and is not dead. Exits\n"
	"1 when a TARGET could not be read (its error on stderr).\n"
	"  -P, --per-cpu       one series per CPU, labelled cpu=\"N\", instead of the total\n"
	"  -O, --openmetrics   OpenMetrics 1.0.0 instead of the text format\n"
	"  -h, --help          this text\n";

static const struct option long_opts[] = {
	{"per-cpu", no_argument, NULL, 'P'},
	{"openmetrics", no_argument, NULL, 'O'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

int cmd_export(int argc, char **argv)
{
	struct metrics_opts o = {0};
	struct metrics_stats st;
	enum expo_format fmt = EXPO_TEXT;
	struct expo e = {0};
	int c;

	while ((c = getopt_long(argc, argv, "+POh", long_opts, NULL)) != -1) {
		switch (c) {
		case 'P':
			o.percpu = true;
			break;
		case 'O':
			fmt = EXPO_OPENMETRICS;
			break;
		case 'h':
			return tool_help();
		default:
			return tool_usage();
		}
	}
	if (optind >= argc)
		return tool_usage();
	if (metrics_collect(&e, argv + optind, (size_t)(argc - optind), &o, NULL, &st) < 0 ||
	    expo_write(&e, fmt, stdout, NULL) < 0) {
		expo_free(&e);
		return tool_err("out of memory");
	}
	expo_free(&e);
	if (fflush(stdout) != 0)
		return tool_err("writing the exposition: %m");
	return st.failed ? TOOL_EXIT_FAIL : 0;
}
