/*
 * kvm_snapshot: a frozen copy of the opened domain, in the domain format with
 * PCPU_DOM_F_SNAPSHOT set, readable later with kvm_openfiles like any domain. The copy
 * is made with the same aligned 8-byte loads as every read (kvm_domain_copy), so it is
 * consistent per 8-byte value, not across values (doc/domain-format.md, Consistency).
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kvm/kvm_private.h"

#define COPY_BLOCK ((size_t)1 << 16)

static int write_all(kvm_t *kd, int fd, const unsigned char *p, size_t len, const char *path)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			kvm_err(kd, errno, "kvm_snapshot: %s: %s", path, strerror(errno));
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The header as a snapshot has it: flagged, dated, sized, and without the writer's
 * allocator state (meaningless outside the writer). */
static void seal_header(struct pcpu_dom_header *h, uint64_t size)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	h->flags |= PCPU_DOM_F_SNAPSHOT;
	h->snapshot_ns = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
	h->file_size = size;
	memset(h->writer_private, 0, sizeof(h->writer_private));
}

static int copy_domain(kvm_t *kd, int fd, uint64_t size, const char *path)
{
	unsigned char *buf = malloc(COPY_BLOCK);
	uint64_t off;
	size_t n;
	int r = 0;

	if (buf == NULL) {
		kvm_err(kd, ENOMEM, "kvm_snapshot: out of memory");
		return -1;
	}
	for (off = 0; off < size && r == 0; off += n) {
		n = size - off < COPY_BLOCK ? (size_t)(size - off) : COPY_BLOCK;
		r = kvm_domain_copy(kd, off, buf, n);
		if (r == 0 && off == 0)
			seal_header((struct pcpu_dom_header *)buf, size);
		if (r == 0)
			r = write_all(kd, fd, buf, n, path);
	}
	free(buf);
	return r;
}

int kvm_snapshot(kvm_t *kd, const char *path)
{
	struct kvm_live live;
	int fd, r;

	if (kd == NULL || path == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (kvm_need_domain(kd, "kvm_snapshot") != 0 || kvm_cache_check(kd) != 0 ||
	    kvm_domain_live(kd, &live) != 0 ||
	    kvm_domain_span(kd, 0, live.file_size, "kvm_snapshot") != 0)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		kvm_err(kd, errno, "kvm_snapshot: %s: %s", path, strerror(errno));
		return -1;
	}
	r = copy_domain(kd, fd, live.file_size, path);
	if (close(fd) != 0 && r == 0) {
		kvm_err(kd, errno, "kvm_snapshot: %s: %s", path, strerror(errno));
		r = -1;
	}
	if (r != 0) {
		int e = errno;

		unlink(path);
		errno = e;
	}
	return r;
}
