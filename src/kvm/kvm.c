/* Opening and closing a kvm handle, its error message, kvm_read and the cache. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvm/kvm_private.h"

/*
 * kvm_open never prints, so the message of a failed open has nowhere to go but a
 * per-thread buffer: kvm_geterr(NULL) returns it.
 */
static _Thread_local char open_err[_POSIX2_LINE_MAX];

/* Bumped by a call with kd == NULL; every handle re-reads its cache when it differs. */
unsigned int kvm_cache_gen;

void kvm_verr(kvm_t *kd, int errnum, const char *fmt, va_list ap)
{
	vsnprintf(kd->errbuf, sizeof(kd->errbuf), fmt, ap);
	errno = errnum;
}

void kvm_err(kvm_t *kd, int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kvm_verr(kd, errnum, fmt, ap);
	va_end(ap);
}

int kvm_need_domain(kvm_t *kd, const char *fn)
{
	if (kd->ops->has_domain)
		return 0;
	kvm_err(kd, ENOTSUP, "%s: the %s has no pcpu domain", fn, kd->ops->name);
	return -1;
}

void kvm_cache_clear_all(void)
{
	__atomic_add_fetch(&kvm_cache_gen, 1, __ATOMIC_RELAXED);
}

int kvm_cache_reload(kvm_t *kd)
{
	unsigned int gen = __atomic_load_n(&kvm_cache_gen, __ATOMIC_RELAXED);

	if (kd->broken) {
		kvm_err(kd, EIO, "the domain file shrank while mapped; open it again");
		return -1;
	}
	kd->zpcpu_seen.size = 0;
	if (kd->ops->reload(kd) != 0)
		return -1;
	if (kd->dpcpu_cpu >= kvm_maxcpu(kd))
		kd->dpcpu_cpu = 0;
	kd->cache_gen = gen;
	return 0;
}

static kvm_t *open_handle(const char *corefile, int flags)
{
	kvm_t *kd = calloc(1, sizeof(*kd));
	int r;

	if (kd == NULL) {
		snprintf(open_err, sizeof(open_err), "kvm_open: out of memory");
		return NULL;
	}
	kd->fd = -1;
	kd->cache_gen = __atomic_load_n(&kvm_cache_gen, __ATOMIC_RELAXED);
	if (flags != O_RDONLY) {
		kvm_err(kd, EINVAL, "kvm_open: flags 0x%x: only O_RDONLY is supported", flags);
		r = -1;
	} else {
		kd->ops = corefile == NULL ? &kvm_kernel_ops : &kvm_domain_ops;
		r = kd->ops->open(kd, corefile);
	}
	if (r == 0)
		return kd;
	r = errno;
	memcpy(open_err, kd->errbuf, sizeof(open_err));
	kvm_close(kd);
	errno = r;
	return NULL;
}

/* execfile and swapfile are accepted and ignored: a domain describes itself. */
kvm_t *kvm_open(const char *execfile, const char *corefile, const char *swapfile, int flags,
		const char *errstr)
{
	(void)execfile;
	(void)swapfile;
	(void)errstr;
	return open_handle(corefile, flags);
}

kvm_t *kvm_openfiles(const char *execfile, const char *corefile, const char *swapfile, int flags,
		     char *errbuf)
{
	kvm_t *kd;

	(void)execfile;
	(void)swapfile;
	kd = open_handle(corefile, flags);
	if (kd == NULL && errbuf != NULL)
		memcpy(errbuf, open_err, sizeof(open_err));
	return kd;
}

int kvm_close(kvm_t *kd)
{
	if (kd == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (kd->ops != NULL)
		kd->ops->close(kd);
	free(kd);
	return 0;
}

char *kvm_geterr(kvm_t *kd)
{
	return kd == NULL ? open_err : kd->errbuf;
}

ssize_t kvm_read(kvm_t *kd, unsigned long addr, void *buf, size_t nbytes)
{
	uint64_t off;

	if (kvm_need_domain(kd, "kvm_read") != 0 || kvm_cache_check(kd) != 0)
		return -1;
	if (nbytes > SSIZE_MAX) {
		kvm_err(kd, EINVAL, "kvm_read: %zu bytes is more than SSIZE_MAX", nbytes);
		return -1;
	}
	if (kvm_domain_addr(kd, addr, nbytes, "kvm_read", &off) != 0 ||
	    kvm_domain_copy(kd, off, buf, nbytes) != 0)
		return -1;
	return (ssize_t)nbytes;
}
