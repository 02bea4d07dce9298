/* pcpu export: the Prometheus text exposition of targets, on stdout. */
#include <getopt.h>
#include <stdio.h>

#include "commands.h"
#include "metrics.h"

const char cmd_export_synopsis[] = "export [-P] TARGET...";
const char cmd_export_help[] =
	"Prints the counters and integer variables of every TARGET in the Prometheus text\n"
	"exposition format 0.0.4: a counter family per counter (pcpu_<name>_total), a gauge\n"
	"per integer variable, labelled domain, pid, program and symbol; pcpu_domain_up\n"
	"says which targets could be read. Exits 1 when one could not (its error on stderr).\n"
	"  -P, --per-cpu   one series per CPU, labelled cpu=\"N\", instead of the total\n"
	"  -h, --help      this text\n";

static const struct option long_opts[] = {
	{"per-cpu", no_argument, NULL, 'P'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

int cmd_export(int argc, char **argv)
{
	struct metrics_opts o = {0};
	struct expo e = {0};
	int c, failed;

	while ((c = getopt_long(argc, argv, "+Ph", long_opts, NULL)) != -1) {
		switch (c) {
		case 'P':
			o.percpu = true;
			break;
		case 'h':
			return tool_help();
		default:
			return tool_usage();
		}
	}
	if (optind >= argc)
		return tool_usage();
	failed = metrics_collect(&e, argv + optind, argc - optind, &o, NULL);
	if (failed < 0) {
		expo_free(&e);
		return tool_err("out of memory");
	}
	expo_write(&e, stdout);
	expo_free(&e);
	if (fflush(stdout) != 0)
		return tool_err("writing the exposition: %m");
	return failed ? TOOL_EXIT_FAIL : 0;
}
