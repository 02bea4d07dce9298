/* Finding and judging the per-user domain directories, and names in them
 * (doc/security.md, "Readers"). */
#include "domdir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pcpu/kvm.h>

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

static bool all_digits(const char *s)
{
	return *s != '\0' && strspn(s, "0123456789") == strlen(s);
}

static char *join(const char *dir, const char *name)
{
	char *path;

	return asprintf(&path, "%s/%s", dir, name) < 0 ? NULL : path;
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

void domdir_user_label(uid_t uid, char *buf, size_t len)
{
	struct passwd *pw = getpwuid(uid);

	if (pw)
		snprintf(buf, len, "%s", pw->pw_name);
	else
		snprintf(buf, len, "%u", (unsigned int)uid);
}

/* What a NAME lookup found: the domain of the caller or root, or those of others. */
struct lookup {
	char *path;  /* the caller's or root's */
	char *other; /* the last other user's found */
	size_t nother;
	char who[1024];	       /* "USER/NAME, ..." of the others */
	char denied[PATH_MAX]; /* a directory that could not be searched, or "" */
};

static void look_in(struct lookup *l, const struct domdir *d, const char *name)
{
	char *p = join(d->path, name), label[64];
	bool found = p && exists(p);
	size_t len = strlen(l->who);

	if (!found) {
		if (p && errno == EACCES && !*l->denied)
			snprintf(l->denied, sizeof(l->denied), "%s", d->path);
		free(p);
	} else if (d->uid == geteuid() || d->uid == 0) {
		l->path = p;
	} else {
		domdir_user_label(d->uid, label, sizeof(label));
		snprintf(l->who + len, sizeof(l->who) - len, "%s%s/%s", l->nother ? ", " : "",
			 label, name);
		free(l->other);
		l->other = p;
		l->nother++;
	}
}

/*
 * NAME: the caller's directory, then root's, then the one other user's directory that
 * has it; several are an error naming them, so that which user's domain is read is never
 * a guess.
 */
char *domdir_lookup(const char *name)
{
	struct lookup l = {0};
	struct domdir *dirs;
	size_t n;

	if (domdir_list(&dirs, &n) != 0)
		return NULL;
	for (size_t i = 0; i < n && !l.path; i++)
		look_in(&l, &dirs[i], name);
	domdir_free(dirs, n);
	if (l.path) {
		free(l.other);
		return l.path;
	}
	if (l.nother == 1)
		return l.other;
	free(l.other);
	if (l.nother > 1)
		tool_err("%s: several users have a domain of that name (%s): say USER/NAME", name,
			 l.who);
	else if (*l.denied)
		tool_err("%s: no domain of that name that you may see (%s: %s)", name, l.denied,
			 strerror(EACCES));
	else
		tool_err("%s: no domain of that name (for a file in this directory, say ./%s)",
			 name, name);
	return NULL;
}

static bool parse_user(const char *user, uid_t *uid)
{
	struct passwd *pw;

	if (all_digits(user)) {
		errno = 0;
		unsigned long v = strtoul(user, NULL, 10);

		*uid = (uid_t)v;
		return errno == 0 && v < (uid_t)-1;
	}
	pw = getpwnam(user);
	if (pw)
		*uid = pw->pw_uid;
	return pw != NULL;
}

/* USER/NAME: a user's named domain, USER a name or a uid. */
char *domdir_lookup_user(const char *spec, const char *slash)
{
	char *user = strndup(spec, (size_t)(slash - spec)), *path = NULL;
	const char *name = slash + 1;
	struct domdir *dirs;
	size_t n;
	uid_t uid;

	if (!user)
		return NULL;
	if (!parse_user(user, &uid)) {
		tool_err("%s: no such file, and %s is not a user", spec, user);
	} else if (domdir_list(&dirs, &n) == 0) {
		for (size_t i = 0; i < n && !path; i++)
			if (dirs[i].uid == uid)
				path = join(dirs[i].path, name);
		if (!path)
			tool_err("%s: user %s has no domain directory you can trust", spec, user);
		else if (!exists(path)) {
			tool_err("%s: user %s has no domain %s (%s: %s)", spec, user, name, path,
				 strerror(errno));
			free(path);
			path = NULL;
		}
		domdir_free(dirs, n);
	}
	free(user);
	return path;
}

static int by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The domains and snapshots of one directory: files with the domain magic. A directory
 * the caller may not read is another user's private one: skipped without a word. */
static int scan_domains(const char *dir, char ***paths, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t first = *n;
	int rc = 0;

	if (!d)
		return errno == EACCES || errno == ENOENT
			       ? 0
			       : tool_err("%s: %s", dir, strerror(errno));
	while (rc == 0 && (e = readdir(d)) != NULL) {
		char *p, **v;
		int fd;
		bool domain;

		if (e->d_name[0] == '.' || !(p = join(dir, e->d_name)))
			continue;
		fd = open(p, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		domain = fd >= 0 && kvm_isdomain(fd);
		if (fd >= 0)
			close(fd);
		if (domain && (v = realloc(*paths, (*n + 1) * sizeof(*v))) != NULL) {
			*paths = v;
			v[(*n)++] = p;
		} else {
			rc = domain ? -1 : 0;
			free(p);
		}
	}
	closedir(d);
	qsort(*paths + first, *n - first, sizeof(**paths), by_string);
	return rc == 0 ? 0 : tool_err("out of memory");
}

int domdir_discover(char ***paths, size_t *n)
{
	struct domdir *dirs;
	size_t ndirs;
	int rc = 0;

	*paths = NULL;
	*n = 0;
	if (domdir_list(&dirs, &ndirs) != 0)
		return -1;
	for (size_t i = 0; rc == 0 && i < ndirs; i++)
		rc = scan_domains(dirs[i].path, paths, n) == 0 ? 0 : -1;
	domdir_free(dirs, ndirs);
	if (rc != 0) {
		domdir_free_paths(*paths, *n);
		*paths = NULL;
		*n = 0;
	}
	return rc;
}

void domdir_free_paths(char **paths, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}
