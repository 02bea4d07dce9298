/*
 * The process's domain: created on first use (a constructor counts), shared with forked
 * children, removed at normal exit by the process that created it unless PCPU_KEEP=1.
 */
#include "domain/domain.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arch/percpu.h"
#include "kcpuset/maxcpu.h"

static struct pcpu_domain the_domain = {.fd = -1};
static pthread_once_t domain_once = PTHREAD_ONCE_INIT;
static int domain_errno; /* why pcpu_domain_get() has no domain, 0 when it has one */

/* Unlinks the file only while the name still refers to our file: never someone else's. */
static void remove_at_exit(void)
{
	struct pcpu_domain *d = &the_domain;
	const char *keep = getenv("PCPU_KEEP");
	struct stat st;

	if (!d->shared || getpid() != d->creator || (keep != NULL && strcmp(keep, "1") == 0))
		return;
	if (lstat(d->path, &st) == 0 && st.st_dev == d->dev && st.st_ino == d->ino)
		unlink(d->path);
}

static void domain_create(void)
{
	struct pcpu_domain *d = &the_domain;
	long page = sysconf(_SC_PAGESIZE);

	pcpu_layout_compute(&d->lay, pcpu_maxcpu(), page > 0 ? (size_t)page : 4096);
	d->creator = getpid();
	d->shared = pcpu_domain_open_file(d) == 0;
	if (!d->shared) {
		d->error = errno;
		if (pcpu_domain_map_private(d) != 0) {
			domain_errno = errno;
			return;
		}
	}
	if (pcpu_domain_init_header(d) != 0) {
		domain_errno = errno;
		return;
	}
	pcpu_percpu_setup(d->lay.stride, d->lay.maxcpu);
	if (d->shared)
		atexit(remove_at_exit);
}

struct pcpu_domain *pcpu_domain_get(void)
{
	pthread_once(&domain_once, domain_create);
	if (domain_errno != 0) {
		errno = domain_errno;
		return NULL;
	}
	return &the_domain;
}

int pcpu_domain_contains(struct pcpu_domain *d, const void *addr, size_t len)
{
	uintptr_t a = (uintptr_t)addr, lo = (uintptr_t)d->base;
	uint64_t used = __atomic_load_n(&d->hdr->file_size, __ATOMIC_ACQUIRE);

	return a >= lo && len <= used && a - lo <= used - len;
}
