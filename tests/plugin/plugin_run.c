#include "plugin/plugin_run.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/testutil.h"

char *plugin_dom;

void plugin_run_setup(void)
{
	plugin_dom = test_path(test_tmpdir(), "dom");
}

void plugin_run_teardown(void)
{
	unlink(plugin_dom);
	free(plugin_dom);
}

char *plugin_binary(const char *name)
{
	char rel[256];

	snprintf(rel, sizeof(rel), "tests/plugin/%s", name);
	return test_built_binary(rel);
}

int plugin_run(const char *name, const char *arg)
{
	char *bin = plugin_binary(name);
	pid_t pid = fork();

	if (pid == 0) {
		unsetenv("GLIBC_TUNABLES");
		setenv("PCPU_DOMAIN", plugin_dom, 1);
		setenv("PCPU_KEEP", "1", 1);
		execl(bin, bin, arg, (char *)NULL);
		_exit(127);
	}
	free(bin);
	cr_assert_gt(pid, 0);
	return test_wait_exit(pid);
}
