#include "upmap/kpmap_util.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <pcpu/upmap.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/testutil.h"
#include "upmap/upmap_private.h"

char *kp_private_path(void)
{
	char uid[32];
	char *path = test_path(test_tmpdir(), "kpmap");

	cr_assert_not_null(path);
	snprintf(uid, sizeof(uid), "%u", (unsigned)getuid());
	setenv("PCPU_KPMAP_OWNER", uid, 1);
	setenv("PCPU_KPMAP", path, 1);
	return path;
}

void kp_cleanup(char *path)
{
	unlink(path);
	*strrchr(path, '/') = '\0';
	rmdir(path);
	free(path);
}

static pid_t kp_spawn(const char *const *args)
{
	char *bin = test_built_binary("src/upmap/kpmapd/kpmapd");
	const char *argv[16] = {bin};
	pid_t pid;
	int i;

	/* Else each test that waits for the daemon fails after its 5 s of waiting. */
	cr_assert_eq(access(bin, X_OK), 0,
		     "no kpmapd at %s: run the test through ctest, or set PCPU_TEST_BINDIR to "
		     "the build tree",
		     bin);
	for (i = 0; args[i] != NULL && i < 14; i++)
		argv[i + 1] = args[i];
	argv[i + 1] = NULL;
	pid = fork();
	if (pid == 0) {
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	free(bin);
	cr_assert_gt(pid, 0);
	return pid;
}

int kp_run_kpmapd(const char *const *args)
{
	return test_wait_exit(kp_spawn(args));
}

pid_t kp_start_kpmapd(const char *path, int hz)
{
	char hzs[16];
	const char *args[] = {"--foreground", "--path", path, "--hz", hzs, NULL};
	const struct timespec pause = {0, 5000000};
	pid_t pid;

	snprintf(hzs, sizeof(hzs), "%d", hz);
	pid = kp_spawn(args);
	for (int i = 0; i < 1000; i++) {
		const void *k = kpmap_map();

		if (k != NULL && kp_alive(k) == (uint32_t)pid)
			return pid;
		nanosleep(&pause, NULL);
	}
	kill(pid, SIGKILL);
	cr_assert_fail("kpmapd did not publish %s", path);
	return -1;
}

int kp_stop(pid_t pid, int sig)
{
	cr_assert_eq(kill(pid, sig), 0);
	return test_wait_exit(pid);
}

uint32_t kp_alive(const void *map)
{
	return __atomic_load_n((const uint32_t *)((const char *)map + PCPU_KPMAP_ALIVE_OFFSET),
			       __ATOMIC_ACQUIRE);
}
