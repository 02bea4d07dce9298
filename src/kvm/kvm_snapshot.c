/*
 * kvm_snapshot: a frozen copy of the opened domain, written by the same function as the
 * writer's pcpu_snapshot() (src/format/snapshot.c) but over the reader's mapping, under
 * the SIGBUS guard since the file may shrink while it is copied.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format/snapshot.h"
#include "kvm/kvm_private.h"

struct snap_args {
	const void *base;
	size_t size;
	const char *path;
	int r, err;
};

static int take(void *arg)
{
	struct snap_args *a = arg;

	a->r = pcpu_format_snapshot(a->base, a->size, a->path);
	a->err = errno;
	return 0;
}

/*
 * A SIGBUS in the middle of the copy leaves the new file's descriptor open in
 * pcpu_format_snapshot's abandoned frame: find it by the file's identity and close it.
 * The file was created with O_EXCL a moment ago, so no other descriptor names it.
 */
static void reclaim_fd(const char *path)
{
	struct stat want, st;
	DIR *d;
	struct dirent *e;

	if (stat(path, &want) != 0 || (d = opendir("/proc/self/fd")) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		int fd = atoi(e->d_name);

		if (e->d_name[0] != '.' && fd != dirfd(d) && fstat(fd, &st) == 0 &&
		    st.st_dev == want.st_dev && st.st_ino == want.st_ino)
			close(fd);
	}
	closedir(d);
}

/* The header copied says the file_size the writer had when its first block was read;
 * a live writer may have grown since, and the snapshot holds exactly size bytes. */
static int set_file_size(const char *path, uint64_t size)
{
	int fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = pwrite(fd, &size, sizeof(size), offsetof(struct pcpu_dom_header, file_size));
	return close(fd) == 0 && n == (ssize_t)sizeof(size) ? 0 : -1;
}

int kvm_snapshot(kvm_t *kd, const char *path)
{
	struct kvm_live live;
	struct snap_args a = {.path = path};

	if (kd == NULL || path == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (kvm_need_domain(kd, "kvm_snapshot") != 0 || kvm_cache_check(kd) != 0 ||
	    kvm_domain_live(kd, &live) != 0 ||
	    kvm_domain_span(kd, 0, live.file_size, "kvm_snapshot") != 0)
		return -1;
	a.base = kd->map;
	a.size = (size_t)(live.file_size & ~(uint64_t)7);
	if (kvm_guard_run(kd->map, kd->maplen, take, &a) != 0) {
		reclaim_fd(path);
		unlink(path);
		kvm_err(kd, EIO, "kvm_snapshot: the domain file shrank while it was copied");
		return -1;
	}
	if (a.r == 0 && set_file_size(path, a.size) != 0) {
		a.err = errno;
		unlink(path);
		a.r = -1;
	}
	if (a.r != 0) {
		kvm_err(kd, a.err, "kvm_snapshot: %s: %s", path, strerror(a.err));
		return -1;
	}
	return 0;
}
