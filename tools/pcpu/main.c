/* pcpu(1): dispatches to the subcommand named by the first argument. */
#include <stdio.h>
#include <string.h>

#include "commands.h"

/* In the order of pcpu(1). */
#define CMD(n)                                                  \
	{                                                       \
#n, cmd_##n, cmd_##n##_synopsis, cmd_##n##_help \
	}

/* clang-format off */
const struct tool_cmd tool_cmds[] = {
	CMD(ls),
	CMD(stat),
	CMD(top),
	CMD(cpus),
	CMD(cpuset),
	CMD(nlist),
	CMD(read),
	CMD(snapshot),
	CMD(kpmap),
	CMD(sysctl),
	CMD(export),
	CMD(serve),
	{NULL, NULL, NULL, NULL},
};
/* clang-format on */

static void overview(FILE *f)
{
	fputs("usage: pcpu COMMAND [OPTIONS] [ARGS]\n"
	      "       pcpu help COMMAND | pcpu COMMAND --help | pcpu --version\n\n"
	      "Reads the per-CPU data (counters, DPCPU variables) of pcpu programs.\n"
	      "TARGET is a pid, a domain NAME or USER/NAME, a domain file (with a slash) or a\n"
	      "snapshot. Commands:\n",
	      f);
	for (const struct tool_cmd *c = tool_cmds; c->name; c++)
		fprintf(f, "  pcpu %s\n", c->synopsis);
	fputs("See pcpu(1).\n", f);
}

static const struct tool_cmd *find(const char *name)
{
	for (const struct tool_cmd *c = tool_cmds; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static int unknown(const char *name)
{
	tool_err("unknown command \"%s\"; see 'pcpu --help'", name);
	return TOOL_EXIT_USAGE;
}

int main(int argc, char **argv)
{
	static char argv0[64];
	const struct tool_cmd *cmd;

	if (argc < 2) {
		overview(stderr);
		return TOOL_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("pcpu %s\n", PCPU_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    (strcmp(argv[1], "help") == 0 && argc == 2)) {
		overview(stdout);
		return 0;
	}
	if (strcmp(argv[1], "help") == 0) {
		cmd = find(argv[2]);
		if (!cmd)
			return unknown(argv[2]);
		tool_set_cmd(cmd);
		return tool_help();
	}
	cmd = find(argv[1]);
	if (!cmd)
		return unknown(argv[1]);
	tool_set_cmd(cmd);
	snprintf(argv0, sizeof(argv0), "pcpu %s", cmd->name);
	argv[1] = argv0; /* getopt_long's messages name "pcpu CMD" */
	return cmd->run(argc - 1, argv + 1);
}
