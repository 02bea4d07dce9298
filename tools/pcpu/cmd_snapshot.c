/* pcpu snapshot: a consistent copy of a domain into a new file (kvm_snapshot). */
#include <getopt.h>
#include <stdio.h>

#include "commands.h"
#include "target.h"

const char cmd_snapshot_synopsis[] = "snapshot TARGET FILE";
const char cmd_snapshot_help[] =
	"Copies TARGET's domain into FILE, a new snapshot (mode 0600; an existing FILE is\n"
	"not overwritten) that every pcpu command and kvm_openfiles(3) read later.\n"
	"  -h, --help   this text\n";

static const struct option long_opts[] = {
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

int cmd_snapshot(int argc, char **argv)
{
	struct target t;
	int c, rc = 0;

	while ((c = getopt_long(argc, argv, "+h", long_opts, NULL)) != -1) {
		if (c == 'h')
			return tool_help();
		return tool_usage();
	}
	if (argc - optind != 2)
		return tool_usage();
	if (target_open(&t, argv[optind]) < 0)
		return TOOL_EXIT_FAIL;
	if (kvm_snapshot(t.kd, argv[optind + 1]) != 0)
		rc = tool_err("%s", kvm_geterr(t.kd));
	else
		printf("%s: snapshot of %s[%d] (%s), %zu symbols\n", argv[optind + 1], t.progname,
		       (int)t.pid, t.path, t.nsyms);
	target_close(&t);
	return rc;
}
