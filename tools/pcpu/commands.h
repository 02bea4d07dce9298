/* The entry point of every subcommand, one file each (cmd_<name>.c). */
#ifndef PCPU_TOOL_COMMANDS_H
#define PCPU_TOOL_COMMANDS_H

#include "tool.h"

#define TOOL_DECLARE_CMD(name)                 \
	int cmd_##name(int argc, char **argv); \
	extern const char cmd_##name##_synopsis[], cmd_##name##_help[]

TOOL_DECLARE_CMD(ls);
TOOL_DECLARE_CMD(stat);
TOOL_DECLARE_CMD(top);
TOOL_DECLARE_CMD(cpus);
TOOL_DECLARE_CMD(cpuset);
TOOL_DECLARE_CMD(nlist);
TOOL_DECLARE_CMD(read);
TOOL_DECLARE_CMD(snapshot);
TOOL_DECLARE_CMD(kpmap);
TOOL_DECLARE_CMD(sysctl);
TOOL_DECLARE_CMD(export);
TOOL_DECLARE_CMD(serve);

#endif
