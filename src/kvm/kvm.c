/* Opening and closing a kvm handle, its error message, kvm_read and the cache. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvm/kvm_private.h"

/*
 * kvm_open never prints, so the message of a failed open has nowhere to go but a
 * per-thread buffer: kvm_geterr(NULL) returns it. The buffer is allocated on a thread's
 * first failed open and reached through a key, not a _Thread_local array, which would be
 * static TLS that a dlopen()ed libpcpu cannot get. The key's destructor is libc's free, so
 * it stays valid after libpcpu is unloaded.
 */
static pthread_key_t open_err_key;
static pthread_once_t open_err_once = PTHREAD_ONCE_INIT;
static int open_err_ok;
/* What kvm_geterr(NULL) returns in a thread that has no buffer (no failed open yet, or no
 * memory for one): never written. */
static char open_err_none[] = "";

static void open_err_init(void)
{
	open_err_ok = pthread_key_create(&open_err_key, free) == 0;
}

/* This thread's buffer, allocated when want is set and it has none; NULL without one. */
static char *open_err(int want)
{
	char *buf;

	pthread_once(&open_err_once, open_err_init);
	if (!open_err_ok)
		return NULL;
	buf = pthread_getspecific(open_err_key);
	if (buf == NULL && want) {
		buf = malloc(_POSIX2_LINE_MAX);
		if (buf != NULL && pthread_setspecific(open_err_key, buf) != 0) {
			free(buf);
			buf = NULL;
		}
	}
	return buf;
}

/* Keeps the message of a failed open for kvm_geterr(NULL), and in errbuf when given. */
static void open_err_set(const char *msg, char *errbuf)
{
	char *buf = open_err(1);

	if (buf != NULL)
		snprintf(buf, _POSIX2_LINE_MAX, "%s", msg);
	if (errbuf != NULL)
		snprintf(errbuf, _POSIX2_LINE_MAX, "%s", msg);
}

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

static kvm_t *open_handle(const char *corefile, int flags, char *errbuf)
{
	kvm_t *kd = calloc(1, sizeof(*kd));
	int r;

	if (kd == NULL) {
		open_err_set("kvm_open: out of memory", errbuf);
		errno = ENOMEM;
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
	open_err_set(kd->errbuf, errbuf);
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
	return open_handle(corefile, flags, NULL);
}

kvm_t *kvm_openfiles(const char *execfile, const char *corefile, const char *swapfile, int flags,
		     char *errbuf)
{
	(void)execfile;
	(void)swapfile;
	return open_handle(corefile, flags, errbuf);
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
	char *buf;

	if (kd != NULL)
		return kd->errbuf;
	buf = open_err(0);
	return buf != NULL ? buf : open_err_none;
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
