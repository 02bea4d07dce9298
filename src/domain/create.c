/*
 * Creating the domain's memory: the shared file (with the safe-replacement rules for a
 * stale file), or private memory of the same layout when no file can be had.
 */
#include "domain/domain.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int domain_path(char *buf, size_t len)
{
	const char *env = getenv("PCPU_DOMAIN");
	int n;

	if (env != NULL && *env != '\0')
		n = snprintf(buf, len, "%s", env);
	else
		n = snprintf(buf, len, "/dev/shm/pcpu.%ld", (long)getpid());
	return n > 0 && (size_t)n < len ? 0 : ENAMETOOLONG;
}

/* A process is the writer of a header when it exists and started when the header says:
 * a recycled pid has a different start time. A start time of 0 (unknown) cannot tell, so
 * the existing process is taken for the writer. Our own pid is never a live writer: this
 * runs once per image, before it has a domain, so such a file is from an image this
 * process replaced with exec() or from a dead process that had our pid. */
static int writer_alive(pid_t pid, uint64_t start)
{
	if (pid <= 0 || pid == getpid() || (kill(pid, 0) != 0 && errno != EPERM))
		return 0;
	return start == 0 || pcpu_proc_start_time(pid) == start;
}

/*
 * Removes what is at path when it is one of our own domain files whose writer is dead.
 * Anything else stays untouched: a symlink (ELOOP), another user's or a live domain, a
 * snapshot (kept on purpose, whoever wrote it), or a file that is not a domain (EEXIST).
 * 0 when removed.
 */
static int remove_if_stale(const char *path)
{
	struct pcpu_dom_header h;
	struct stat st, again;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC), stale;

	if (fd < 0)
		return errno == ELOOP ? ELOOP : EEXIST;
	stale = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
		(st.st_mode & 077) == 0 && pread(fd, &h, sizeof(h), 0) == (ssize_t)sizeof(h) &&
		memcmp(h.magic, PCPU_DOM_MAGIC, sizeof(h.magic)) == 0 &&
		(h.flags & PCPU_DOM_F_SNAPSHOT) == 0 && !writer_alive(h.writer_pid, h.writer_start);
	close(fd);
	if (!stale)
		return EEXIST;
	/* The name must still be the file just judged (not swapped for another meanwhile). */
	if (lstat(path, &again) != 0 || again.st_dev != st.st_dev || again.st_ino != st.st_ino)
		return EEXIST;
	return unlink(path) == 0 ? 0 : errno;
}

static int create_file(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600), err;

	if (fd >= 0 || errno != EEXIST)
		return fd;
	err = remove_if_stale(path);
	if (err != 0) {
		errno = err;
		return -1;
	}
	return open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
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
 * The whole reservation is one shared mapping of the file: pages past the end of the file
 * are never touched until the file has grown over them, and because the mapping already
 * covers them, growth made by one process (say a forked child) is visible at the same
 * addresses in all of them without remapping.
 */
int pcpu_domain_open_file(struct pcpu_domain *d)
{
	size_t size = pcpu_chunk_off(&d->lay, 1);
	struct stat st;
	int err = domain_path(d->path, sizeof(d->path));

	if (err != 0)
		return errno = err, -1;
	d->fd = create_file(d->path);
	if (d->fd < 0)
		return -1;
	err = fstat(d->fd, &st) != 0 ? errno : pcpu_domain_extend(d, 0, size);
	if (err == 0) {
		d->dev = st.st_dev;
		d->ino = st.st_ino;
		d->base = mmap(NULL, d->lay.reserve, PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_NORESERVE, d->fd, 0);
		if (d->base != MAP_FAILED)
			return 0;
		err = errno;
	}
	unlink(d->path);
	close(d->fd);
	d->fd = -1;
	d->base = NULL;
	errno = err;
	return -1;
}

/* Shared anonymous memory: private to this process and the children it forks, which
 * keep sharing their counters as they would through the file. */
int pcpu_domain_map_private(struct pcpu_domain *d)
{
	d->fd = -1;
	d->path[0] = '\0';
	d->base = mmap(NULL, d->lay.reserve, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (d->base == MAP_FAILED) {
		d->base = NULL;
		return -1;
	}
	return 0;
}
