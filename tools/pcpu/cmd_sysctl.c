/* pcpu sysctl: reads or sets kern.gettimeofday_quick in the published kpmap. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <pcpu/upmap.h>

#include "commands.h"
#include "json.h"
#include "kpmapfile.h"

const char cmd_sysctl_synopsis[] = "sysctl [-f FILE] [--json] kern.gettimeofday_quick[=0|1]";
const char cmd_sysctl_help[] =
	"Prints kern.gettimeofday_quick, the kpmap's fast_gtod: 1 lets ukp_gettimeofday()\n"
	"and ukp_clock_gettime() answer from kpmap without a system call. NAME=0 or NAME=1\n"
	"changes it in the published map, seen at once by every running program (needs\n"
	"write permission on the file: root or kpmapd's owner). Prints \"NAME: OLD -> NEW\".\n"
	"  -f, --file FILE   the kpmap file (default $PCPU_KPMAP or " KPMAP_DEFAULT_PATH ")\n"
	"      --json        {\"name\":..., \"value\":..., \"old\":...}\n"
	"  -h, --help        this text\n";

static int parse_value(const char *s, int *v)
{
	if (strcmp(s, "0") == 0 || strcmp(s, "1") == 0) {
		*v = s[0] - '0';
		return 0;
	}
	return tool_err("bad value \"%s\" for kern.gettimeofday_quick: expected 0 or 1", s);
}

static void print(const char *name, int old, const int *set, bool json)
{
	struct json j;

	if (!json) {
		if (set)
			printf("%s: %d -> %d\n", name, old, *set);
		else
			printf("%s: %d\n", name, old);
		return;
	}
	json_init(&j, stdout);
	json_open_object(&j);
	json_key(&j, "name");
	json_string(&j, name);
	json_key(&j, "value");
	json_i64(&j, set ? *set : old);
	if (set) {
		json_key(&j, "old");
		json_i64(&j, old);
	}
	json_close_object(&j);
	json_end(&j);
}

static int run(char *arg, bool json)
{
	char *eq = strchr(arg, '=');
	int old = 0, set;

	if (eq) {
		*eq = '\0';
		if (parse_value(eq + 1, &set) != 0)
			return TOOL_EXIT_FAIL;
	}
	if (kpmap_sysctl(arg, &old, eq ? &set : NULL) != 0) {
		if (errno == ENOENT && strcmp(arg, "kern.gettimeofday_quick") != 0)
			return tool_err("unknown name \"%s\": the only one is "
					"kern.gettimeofday_quick",
					arg);
		return kpmapfile_err(errno);
	}
	print(arg, old, eq ? &set : NULL, json);
	return 0;
}

int cmd_sysctl(int argc, char **argv)
{
	bool json;
	int status;

	if (!kpmapfile_options(argc, argv, &json, &status))
		return status;
	if (argc - optind != 1)
		return tool_usage();
	return run(argv[optind], json);
}
