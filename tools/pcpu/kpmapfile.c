/* The kpmap file the kpmap and sysctl subcommands use. */
#include "kpmapfile.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <pcpu/upmap.h>

#include "tool.h"

const char *kpmapfile_path(void)
{
	return kpmap_path();
}

int kpmapfile_set(const char *path)
{
	if (kpmap_setpath(path) != 0)
		return tool_err("%s: %s", path, strerror(errno));
	return 0;
}

/* The reasons of ukp(3)'s ERRORS for kpmap_map() and kpmap_sysctl(), in words: a bare
 * "Invalid argument" would not say what is wrong with the file. */
static const char *reason(int errnum)
{
	switch (errnum) {
	case ENOENT:
		return "no such file (is kpmapd running?)";
	case ELOOP:
		return "refused: a symbolic link";
	case EPERM:
		return "refused: not owned by root (or PCPU_KPMAP_OWNER), or writable by group "
		       "or others";
	case EINVAL:
		return "not a kpmap: not a regular file of at least 65536 bytes with a kpmap "
		       "header";
	case ENOTSUP:
		return "unsupported kpmap version";
	case ESTALE:
		return "stale: the kpmapd that published it has stopped";
	default:
		return strerror(errnum);
	}
}

int kpmapfile_err(int errnum)
{
	return tool_err("%s: %s", kpmapfile_path(), reason(errnum));
}

static const struct option long_opts[] = {
	{"file", required_argument, NULL, 'f'},
	{"json", no_argument, NULL, 'j'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

bool kpmapfile_options(int argc, char **argv, bool *json, int *status)
{
	int c;

	*json = false;
	while ((c = getopt_long(argc, argv, "+f:h", long_opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (kpmapfile_set(optarg) != 0) {
				*status = TOOL_EXIT_FAIL;
				return false;
			}
			break;
		case 'j':
			*json = true;
			break;
		case 'h':
			*status = tool_help();
			return false;
		default:
			*status = tool_usage();
			return false;
		}
	}
	return true;
}
