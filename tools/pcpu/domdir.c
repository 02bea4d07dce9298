/* Finding and judging the per-user domain directories (doc/security.md, "Readers"). */
#include "domdir.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tool.h"

#define PREFIX "pcpu-"

static const char *shm_root(void)
{
	const char *d = getenv("PCPU_SHMDIR");

	return d && *d ? d : "/dev/shm";
}

/* The uid a directory entry's name gives ("pcpu-1000"), written canonically. */
static bool parse_uid(const char *name, uid_t *uid)
{
	char back[32];
	unsigned long v;
	char *end;

	if (strncmp(name, PREFIX, strlen(PREFIX)) != 0)
		return false;
	name += strlen(PREFIX);
	if (*name < '0' || *name > '9')
		return false;
	errno = 0;
	v = strtoul(name, &end, 10);
	if (errno != 0 || *end != '\0' || v > (uid_t)-1 - 1)
		return false;
	snprintf(back, sizeof(back), "%lu", v);
	if (strcmp(back, name) != 0)
		return false;
	*uid = (uid_t)v;
	return true;
}

static bool trusted(const char *path, uid_t uid)
{
	struct stat st;

	if (lstat(path, &st) != 0) {
		tool_err("skipping %s: %s", path, strerror(errno));
		return false;
	}
	if (!S_ISDIR(st.st_mode)) {
		tool_err("skipping %s: not a directory", path);
		return false;
	}
	if (st.st_uid != uid) {
		tool_err("skipping %s: owned by uid %u, not by uid %u as its name says", path,
			 (unsigned int)st.st_uid, (unsigned int)uid);
		return false;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		tool_err("skipping %s: writable by group or others", path);
		return false;
	}
	return true;
}

/* The caller's directory first, then root's, then the others by uid. */
static int rank(uid_t uid)
{
	return uid == geteuid() ? 0 : uid == 0 ? 1 : 2;
}

static int by_rank(const void *a, const void *b)
{
	uid_t x = ((const struct domdir *)a)->uid, y = ((const struct domdir *)b)->uid;

	if (rank(x) != rank(y))
		return rank(x) - rank(y);
	return x < y ? -1 : x > y;
}

static int add(struct domdir **dirs, size_t *n, const char *root, const char *name, uid_t uid)
{
	struct domdir *v = realloc(*dirs, (*n + 1) * sizeof(**dirs));

	if (!v)
		return -1;
	*dirs = v;
	v[*n].uid = uid;
	if (asprintf(&v[*n].path, "%s/%s", root, name) < 0)
		return -1;
	if (!trusted(v[*n].path, uid)) {
		free(v[*n].path);
		return 0;
	}
	(*n)++;
	return 0;
}

int domdir_list(struct domdir **dirs, size_t *n)
{
	const char *root = shm_root();
	DIR *d = opendir(root);
	struct dirent *e;
	uid_t uid;
	int rc = 0;

	*dirs = NULL;
	*n = 0;
	if (!d) {
		tool_err("%s: %s", root, strerror(errno));
		return -1;
	}
	while (rc == 0 && (e = readdir(d)) != NULL)
		if (parse_uid(e->d_name, &uid))
			rc = add(dirs, n, root, e->d_name, uid);
	closedir(d);
	if (rc != 0) {
		domdir_free(*dirs, *n);
		tool_err("out of memory");
		return -1;
	}
	qsort(*dirs, *n, sizeof(**dirs), by_rank);
	return 0;
}

void domdir_free(struct domdir *dirs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(dirs[i].path);
	free(dirs);
}

bool domdir_valid_name(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 63 || strncmp(name, "pid.", 4) == 0 || name[0] == '.' || name[0] == '-')
		return false;
	return strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") ==
	       n;
}
