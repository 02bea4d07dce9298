/*
 * Which files a reader trusts (kvm(3), "Trust"; the argument is doc/security.md,
 * "Readers"). A domain is accepted when it is a regular file and
 * - it is the reader's or root's, or the reader is root; or
 * - nobody but its owner can write it, and it sits in a real directory of that owner (or
 *   root) that nobody else can write: then its owner (or root) put it there under that
 *   name, so another user can neither have planted it nor made it look like another's.
 * The file is opened relative to its directory's descriptor, so the directory that is
 * judged is the one the file was found in, not whatever the path names a moment later.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kvm/kvm_private.h"
#include "sys/open.h"

#define WRITABLE_BY_OTHERS (S_IWGRP | S_IWOTH)

/* Splits path into its directory (into dir) and its last component. */
static const char *split(const char *path, char *dir, size_t len)
{
	const char *slash = strrchr(path, '/');
	size_t n;

	if (slash == NULL) {
		strcpy(dir, ".");
		return path;
	}
	n = slash == path ? 1 : (size_t)(slash - path);
	if (n >= len)
		return NULL;
	memcpy(dir, path, n);
	dir[n] = '\0';
	return slash + 1;
}

__attribute__((format(printf, 3, 4))) static int refuse(kvm_t *kd, const char *path,
							const char *fmt, ...)
{
	char why[_POSIX2_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	kvm_err(kd, EACCES, "%s: owned by uid %u, not by you (uid %u) or root, and %s", path,
		(unsigned int)kd->owner, (unsigned int)geteuid(), why);
	return -1;
}

/* The second rule, for a file of another user: see the comment at the top. */
static int trust_other(kvm_t *kd, const char *path, const char *dir, int dirfd,
		       const struct stat *st)
{
	struct stat d, opened;

	if (st->st_mode & WRITABLE_BY_OTHERS)
		return refuse(kd, path, "it is writable by group or others");
	if (lstat(dir, &d) != 0 || fstat(dirfd, &opened) != 0)
		return refuse(kd, path, "its directory %s cannot be examined: %s", dir,
			      strerror(errno));
	if (S_ISLNK(d.st_mode))
		return refuse(kd, path, "its directory %s is a symbolic link", dir);
	if (d.st_dev != opened.st_dev || d.st_ino != opened.st_ino)
		return refuse(kd, path, "its directory %s was replaced while it was opened", dir);
	if (d.st_uid != st->st_uid && d.st_uid != 0)
		return refuse(
			kd, path,
			"its directory %s is owned by uid %u, not by the file's owner or root", dir,
			(unsigned int)d.st_uid);
	if (d.st_mode & WRITABLE_BY_OTHERS)
		return refuse(kd, path, "its directory %s is writable by group or others", dir);
	return 0;
}

static int judge(kvm_t *kd, const char *path, const char *dir, int dirfd, const struct stat *st)
{
	kd->owner = st->st_uid;
	kd->dev = st->st_dev;
	kd->ino = st->st_ino;
	if (st->st_uid == geteuid() || st->st_uid == 0 || geteuid() == 0)
		return 0;
	return trust_other(kd, path, dir, dirfd, st);
}

int kvm_trust_open(kvm_t *kd, const char *path)
{
	char dir[PATH_MAX];
	const char *base = split(path, dir, sizeof(dir));
	struct stat st;
	int dirfd, r = -1;

	if (base == NULL) {
		kvm_err(kd, ENAMETOOLONG, "%s: %s", path, strerror(ENAMETOOLONG));
		return -1;
	}
	dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		kvm_err(kd, errno, "%s: %s", path, strerror(errno));
		return -1;
	}
	kd->fd = pcpu_open_regular(dirfd, base, O_RDONLY, &st);
	if (kd->fd >= 0)
		r = judge(kd, path, dir, dirfd, &st);
	else if (errno == EEXIST)
		kvm_err(kd, EINVAL, "%s: not a regular file", path);
	else
		kvm_err(kd, errno, "%s: %s%s", path, strerror(errno),
			errno == ELOOP ? " (a symbolic link is not followed)" : "");
	close(dirfd);
	return r;
}
