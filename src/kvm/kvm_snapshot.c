/*
 * kvm_snapshot: a frozen copy of the opened domain, written by the same function as the
 * writer's pcpu_snapshot() (src/format/snapshot.c) but over the reader's mapping, under
 * the SIGBUS guard since the file may shrink while it is copied: the copy then finishes
 * on zero pages and is removed.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "format/snapshot.h"
#include "kvm/kvm_private.h"

int kvm_snapshot(kvm_t *kd, const char *path)
{
	struct kvm_live live;
	size_t size;
	int r;

	if (kd == NULL || path == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (kvm_need_domain(kd, "kvm_snapshot") != 0 || kvm_cache_check(kd) != 0 ||
	    kvm_domain_live(kd, &live) != 0 ||
	    kvm_domain_span(kd, 0, live.file_size, "kvm_snapshot") != 0)
		return -1;
	size = (size_t)(live.file_size & ~(uint64_t)7);
	kvm_guard_arm(kd->guard, kd->map, kd->maplen);
	r = pcpu_format_snapshot(kd->map, size, path);
	if (kvm_guard_disarm(kd->guard)) {
		unlink(path);
		kd->broken = 1;
		kvm_err(kd, EIO, "kvm_snapshot: the domain file shrank while it was copied");
		return -1;
	}
	if (r != 0) {
		kvm_err(kd, errno, "kvm_snapshot: %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}
