/*
 * Attaching to a domain file that exists already: a named domain (or one at an explicit
 * path) that other processes use or used, so that counters found by name continue their
 * totals; a per-process domain this process made before it called exec, still held by the
 * children it forked. Runs holding the gate, so no creator is half-way through the file and
 * no holder is leaving.
 */
#include "domain/domain.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "format/holders.h"
#include "format/reclaim.h"
#include "kcpuset/maxcpu.h"

/* Removes a file we may replace and asks the caller to start over. */
static int replace(struct pcpu_domain *d)
{
	return unlink(d->path) == 0 ? EAGAIN : errno;
}

/* The file's geometry must be the one this process computes for its CPU count, so that
 * every holder agrees on every offset; a larger maxcpu than ours is taken as it is. */
static int check_geometry(struct pcpu_domain *d, const struct pcpu_dom_header *h)
{
	struct pcpu_layout lay;

	/* A 2.0 file has no metadata table, and its chunks lie where ours would hold one. */
	if (h->version_major != PCPU_DOM_VERSION_MAJOR || h->version_minor < PCPU_DOM_VERSION_MINOR)
		return EPROTO;
	if (h->maxcpu < pcpu_maxcpu() || h->maxcpu > PCPU_DOM_MAXCPU_LIMIT)
		return ERANGE;
	pcpu_layout_compute(&lay, h->maxcpu, d->lay.page);
	if (h->page_size != lay.page || h->stride != lay.stride || h->pcpu_off != lay.pcpu_off ||
	    h->sym_off != lay.sym_off || h->sym_cap != PCPU_SYM_CAP ||
	    h->proc_off != lay.proc_off || h->proc_cap != PCPU_PROC_CAP ||
	    h->meta_off != lay.meta_off || h->meta_cap != PCPU_SYM_CAP ||
	    h->chunk_off[0] != lay.chunk0_off || h->writer_base % lay.page != 0)
		return EPROTO;
	d->lay = lay;
	return 0;
}

/* Every holder maps the file at the creator's address, where the addresses stored in it
 * (symbols, counters, pc_dynamic) point. EADDRINUSE when that range is taken here. */
static int map_at_writer_base(struct pcpu_domain *d, uint64_t base)
{
	void *want = (void *)(uintptr_t)base;
	void *p = mmap(want, d->lay.reserve, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_NORESERVE | MAP_FIXED_NOREPLACE, d->fd, 0);

	if (p == MAP_FAILED)
		return errno == EEXIST ? EADDRINUSE : errno;
	if (p != want) { /* a kernel older than 4.17 took the flag for a hint */
		munmap(p, d->lay.reserve);
		return EADDRINUSE;
	}
	d->base = p;
	d->hdr = p;
	return 0;
}

/* A per-process domain that processes still hold is ours to join only when this very
 * process made it, in the image it replaced with exec(): its forked children hold it. */
static int made_by_this_process(const struct pcpu_dom_header *h)
{
	return h->writer_pid == getpid() && h->writer_start != 0 &&
	       h->writer_start == pcpu_proc_start_time(getpid());
}

int pcpu_domain_attach_file(struct pcpu_domain *d)
{
	struct pcpu_dom_header h;
	ssize_t n = pread(d->fd, &h, sizeof(h), 0);
	int held = pcpu_holders_first_held(d->fd, PCPU_DOM_PROC_MAX), err;

	if (held < 0 && errno != 0)
		return errno;
	if (n != (ssize_t)sizeof(h) || memcmp(h.magic, PCPU_DOM_MAGIC, sizeof(h.magic)) != 0 ||
	    h.ready != PCPU_DOM_READY) {
		/* Left by a creator that died before the domain was ready (a live one would
		 * hold the gate until then), or something that is no domain at all. */
		if (held >= 0)
			return EBUSY;
		return pcpu_format_replaceable(d->fd) ? replace(d) : EEXIST;
	}
	if ((h.flags & PCPU_DOM_F_SNAPSHOT) != 0)
		return EEXIST; /* a snapshot is kept on purpose, whoever wrote it */
	if (d->per_process && held < 0)
		return replace(d); /* an earlier process of our pid: it does not continue */
	if (d->per_process && !made_by_this_process(&h))
		return EBUSY; /* the live family of an earlier process that had our pid */
	err = check_geometry(d, &h);
	return err != 0 ? err : map_at_writer_base(d, h.writer_base);
}
