/*
 * Where a domain lives. Named and per-process domains are files in a directory of their
 * owner's, $PCPU_SHMDIR/pcpu-<euid> (PCPU_SHMDIR defaults to /dev/shm), which no other
 * user can write: a predictable name there cannot be planted (doc/security.md).
 */
#include "domain/domain.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int pcpu_domain_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= PCPU_DOM_NAME_MAX || strncmp(name, "pid.", 4) == 0 || name[0] == '.' ||
	    name[0] == '-')
		return EINVAL;
	return strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") ==
			       n
		       ? 0
		       : EINVAL;
}

static int parse_group(const char *group, gid_t *gid)
{
	struct group gr, *res = NULL;
	char buf[4096], *end;
	unsigned long v;

	*gid = (gid_t)-1;
	if (group == NULL || *group == '\0')
		return 0;
	errno = 0;
	v = strtoul(group, &end, 10);
	if (*end == '\0' && errno == 0 && v < (gid_t)-1) {
		*gid = (gid_t)v;
		return 0;
	}
	if (getgrnam_r(group, &gr, buf, sizeof(buf), &res) != 0 || res == NULL)
		return ENOENT;
	*gid = gr.gr_gid;
	return 0;
}

/*
 * The directory must be ours: a real directory (not a link to one), owned by this user,
 * writable by no one else. Another user who made it first cannot make us write there;
 * we refuse it (EPERM) rather than use it. With a group, the group may list and read.
 */
static int own_dir(const char *dir, gid_t group)
{
	mode_t want = group == (gid_t)-1 ? 0700 : 0750;
	struct stat st;
	int fd, err = 0;

	if (mkdir(dir, want) != 0 && errno != EEXIST)
		return errno;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOTDIR || errno == ELOOP ? EPERM : errno;
	if (fstat(fd, &st) != 0)
		err = errno;
	else if (st.st_uid != geteuid() || (st.st_mode & 022) != 0)
		err = EPERM;
	else if (group != (gid_t)-1 && st.st_gid != group && fchown(fd, (uid_t)-1, group) != 0)
		err = errno;
	else if (group != (gid_t)-1 && (st.st_mode & 07777) != want && fchmod(fd, want) != 0)
		err = errno;
	close(fd);
	return err;
}

int pcpu_domain_locate(struct pcpu_domain *d, const char *spec, const char *group)
{
	const char *root = getenv("PCPU_SHMDIR");
	char dir[PATH_MAX];
	int n, err = parse_group(group, &d->group);

	d->name[0] = '\0';
	d->per_process = 0;
	if (err != 0)
		return err;
	if (spec != NULL && strchr(spec, '/') != NULL) {
		n = snprintf(d->path, sizeof(d->path), "%s", spec);
		return n > 0 && (size_t)n < sizeof(d->path) ? 0 : ENAMETOOLONG;
	}
	if (spec != NULL && *spec != '\0' && (err = pcpu_domain_name_valid(spec)) != 0)
		return err;
	if (root == NULL || *root == '\0')
		root = "/dev/shm";
	n = snprintf(dir, sizeof(dir), "%s/pcpu-%lu", root, (unsigned long)geteuid());
	if (n < 0 || (size_t)n >= sizeof(dir))
		return ENAMETOOLONG;
	err = own_dir(dir, d->group);
	if (err != 0)
		return err;
	if (spec != NULL && *spec != '\0') {
		strcpy(d->name, spec);
		n = snprintf(d->path, sizeof(d->path), "%s/%s", dir, spec);
	} else {
		d->per_process = 1;
		n = snprintf(d->path, sizeof(d->path), "%s/pid.%ld.%llu", dir, (long)getpid(),
			     (unsigned long long)pcpu_self_pidns());
	}
	return n > 0 && (size_t)n < sizeof(d->path) ? 0 : ENAMETOOLONG;
}
