#include "common/testutil.h"

#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * The directories test_tmpdir() made, each with the process that made it. They are
 * removed, with what they hold, when that process exits: a test that fails or is skipped
 * runs no .fini, but its exit handlers run. A forked child inherits the list and leaves
 * its parent's directories alone.
 */
struct made_dir {
	char *path;
	pid_t owner;
};

static struct made_dir *made;
static size_t nmade;
static int cleanup_registered;
static pthread_mutex_t made_lock = PTHREAD_MUTEX_INITIALIZER;

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st, (void)type, (void)ftw;
	remove(path);
	return 0;
}

static void remove_made_dirs(void)
{
	pid_t self = getpid();

	pthread_mutex_lock(&made_lock);
	for (size_t i = 0; i < nmade; i++)
		if (made[i].owner == self)
			nftw(made[i].path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	pthread_mutex_unlock(&made_lock);
}

static void remember(const char *dir)
{
	struct made_dir *grown;
	char *copy = strdup(dir);

	pthread_mutex_lock(&made_lock);
	if (!cleanup_registered)
		cleanup_registered = atexit(remove_made_dirs) == 0;
	grown = copy ? realloc(made, (nmade + 1) * sizeof(*made)) : NULL;
	if (grown) {
		made = grown;
		made[nmade++] = (struct made_dir){copy, getpid()};
	} else {
		free(copy);
		fprintf(stderr, "test_tmpdir: out of memory: %s stays\n", dir);
	}
	pthread_mutex_unlock(&made_lock);
}

const char *test_tmpdir(void)
{
	static _Thread_local char dir[256];
	const char *base = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/pcpu-test.XXXXXX", base ? base : "/tmp");
	if (mkdtemp(dir) == NULL)
		return NULL;
	remember(dir);
	return dir;
}

char *test_path(const char *dir, const char *name)
{
	char *p = NULL;

	if (asprintf(&p, "%s/%s", dir, name) < 0)
		return NULL;
	return p;
}

int test_wait_exit(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) < 0)
		return -1;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

char *test_built_binary(const char *relpath)
{
	const char *bindir = getenv("PCPU_TEST_BINDIR");

	return test_path(bindir ? bindir : ".", relpath);
}

int test_sysfs_cpu_int(unsigned int cpu, const char *leaf)
{
	char path[128];
	FILE *f;
	int v = -1;

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%u/%s", cpu, leaf);
	f = fopen(path, "re");
	if (f == NULL)
		return -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}
