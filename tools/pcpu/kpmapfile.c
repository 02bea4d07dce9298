/* The kpmap file the kpmap and sysctl subcommands use. */
#include "kpmapfile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

const char *kpmapfile_path(void)
{
	const char *p = getenv("PCPU_KPMAP");

	return p && *p ? p : KPMAP_DEFAULT_PATH;
}

int kpmapfile_set(const char *path)
{
	if (setenv("PCPU_KPMAP", path, 1) != 0)
		return tool_err("%s: %s", path, strerror(errno));
	return 0;
}

int kpmapfile_err(int errnum)
{
	return tool_err("%s: %s", kpmapfile_path(),
			errnum == ENOENT ? "no such file (is kpmapd running?)" : strerror(errnum));
}
