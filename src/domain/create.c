/*
 * Getting the domain's file: creating it, or attaching to the one already at its path
 * (attach.c), under the gate lock (domain_format.h), so that no process leaving or
 * removing the file interleaves with this one joining. When no file can be had, private
 * memory of the same layout.
 */
#include "domain/domain.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format/holders.h"
#include "sys/open.h"

enum { OPEN_TRIES = 8 };

/*
 * An existing file is used only when it is a regular file of ours that no one else may
 * write; a symbolic link (ELOOP), a FIFO or a directory (EEXIST) or another user's file
 * (EPERM) is refused, never followed, never opened for long (O_NONBLOCK: a FIFO).
 */
static int open_existing(const char *path)
{
	struct stat st;
	int fd = pcpu_open_regular(AT_FDCWD, path, O_RDWR, &st);

	if (fd >= 0 && (st.st_uid != geteuid() || (st.st_mode & 022) != 0)) {
		close(fd);
		return errno = EPERM, -1;
	}
	return fd;
}

static int create_new(struct pcpu_domain *d)
{
	mode_t mode = d->group == (gid_t)-1 ? 0600 : 0640;
	int fd = open(d->path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode), err = 0;

	if (fd < 0)
		return -1;
	/* The umask must not narrow the documented mode, nor the group be the directory's. */
	if (fchmod(fd, mode) != 0 ||
	    (d->group != (gid_t)-1 && fchown(fd, (uid_t)-1, d->group) != 0))
		err = errno;
	if (err != 0) {
		unlink(d->path);
		close(fd);
		return errno = err, -1;
	}
	return fd;
}

/* 1 when the name still refers to the file open at fd: a process removing the file under
 * the gate before we took it leaves us an unlinked inode, which no reader could find. */
static int still_named(struct pcpu_domain *d)
{
	struct stat st, at;

	return fstat(d->fd, &st) == 0 && lstat(d->path, &at) == 0 && st.st_dev == at.st_dev &&
	       st.st_ino == at.st_ino;
}

int pcpu_domain_extend(struct pcpu_domain *d, size_t old_size, size_t new_size)
{
	int err;

	if (d->fd < 0)
		return 0; /* private memory: the whole reservation is already backed */
	if (ftruncate(d->fd, (off_t)new_size) != 0)
		return errno;
	err = posix_fallocate(d->fd, (off_t)old_size, (off_t)(new_size - old_size));
	if (err != 0 && ftruncate(d->fd, (off_t)old_size) != 0)
		return errno;
	return err;
}

/*
 * Where a new domain is mapped. Every holder maps it at the same address, so an
 * attaching process must find that range free: ask for one in the part of the address
 * space that x86_64 and arm64 leave empty between the program (and its heap) and the
 * shared libraries, picked by the path so that different domains rarely ask for the same
 * one. It is only a hint: the kernel takes another range when that one is in use.
 */
static void *placement_hint(const char *path)
{
	uint64_t h = 1469598103934665603ull;

	for (const char *p = path; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	return (void *)(uintptr_t)(((uint64_t)1 << 44) + (h % 4096) * ((uint64_t)8 << 30));
}

/*
 * The whole reservation is one shared mapping of the file: pages past the end of the file
 * are never touched until the file has grown over them, and because the mapping already
 * covers them, growth made by one process is visible at the same addresses in all of them
 * without remapping.
 */
static int create_mapping(struct pcpu_domain *d)
{
	int err = pcpu_domain_extend(d, 0, pcpu_chunk_off(&d->lay, 1));

	if (err != 0)
		return err;
	d->base = mmap(placement_hint(d->path), d->lay.reserve, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_NORESERVE, d->fd, 0);
	if (d->base == MAP_FAILED) {
		d->base = NULL;
		return errno;
	}
	d->hdr = (struct pcpu_dom_header *)d->base;
	return 0;
}

/* Holding the gate, with fd open: set up a new file or attach. 0, EAGAIN to start over
 * (the file was replaced or reclaimed meanwhile), or an errno value. */
static int join(struct pcpu_domain *d)
{
	int err = pcpu_holders_gate_lock(d->fd, 1), named;

	if (err != 0)
		return err;
	named = still_named(d);
	if (!named)
		err = EAGAIN;
	else if (d->created)
		err = create_mapping(d);
	else
		err = pcpu_domain_attach_file(d);
	if (err == 0)
		err = pcpu_holders_take_slot(d, d->created ? PCPU_PROCF_CREATOR : 0);
	if (err == 0)
		return 0;
	if (d->base != NULL)
		munmap(d->base, d->lay.reserve);
	d->base = NULL;
	if (d->created && named) /* else the name is another process's file now */
		unlink(d->path);
	pcpu_holders_gate_unlock(d->fd);
	return err;
}

int pcpu_domain_open_file(struct pcpu_domain *d)
{
	struct stat st;
	int err = EAGAIN;

	for (int i = 0; i < OPEN_TRIES && err == EAGAIN; i++) {
		d->fd = create_new(d);
		d->created = d->fd >= 0;
		if (d->fd < 0 && errno == EEXIST && (d->fd = open_existing(d->path)) < 0 &&
		    errno == ENOENT)
			continue; /* removed between the two opens: create it */
		if (d->fd < 0)
			return -1;
		err = join(d);
		if (err != 0) {
			close(d->fd);
			d->fd = -1;
		}
	}
	if (err != 0)
		return errno = err == EAGAIN ? EBUSY : err, -1;
	fstat(d->fd, &st);
	d->dev = st.st_dev;
	d->ino = st.st_ino;
	return 0;
}

/*
 * Memory of this process and the children it forks, which keep sharing their counters as
 * they would through the file. It is a memfd named after the reason, so that
 * /proc/PID/maps tells an outside reader why this process has no domain file.
 */
int pcpu_domain_map_private(struct pcpu_domain *d)
{
	char name[64];
	const char *why = strerrorname_np(d->error);
	int fd;

	snprintf(name, sizeof(name), "pcpu-private:%s", why != NULL ? why : "unknown");
	d->fd = -1;
	fd = memfd_create(name, MFD_CLOEXEC);
	if (fd >= 0 && ftruncate(fd, (off_t)d->lay.reserve) != 0) {
		close(fd);
		fd = -1;
	}
	d->base = mmap(NULL, d->lay.reserve, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_NORESERVE | (fd < 0 ? MAP_ANONYMOUS : 0), fd, 0);
	if (fd >= 0)
		close(fd);
	if (d->base == MAP_FAILED) {
		d->base = NULL;
		return -1;
	}
	d->hdr = (struct pcpu_dom_header *)d->base;
	return 0;
}
