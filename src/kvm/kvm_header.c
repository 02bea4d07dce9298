/*
 * Validation of a domain header (doc/domain-format.md, "Header fields"). Each rule of
 * the format is checked here, on a private copy of the header, and a file that breaks
 * one is refused with a message that names the field.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kvm/kvm_private.h"

#define PAGE_SIZE_MIN 4096u
#define PAGE_SIZE_MAX (1u << 20)
#define STRIDE_MAX ((uint64_t)64 << 20)

__attribute__((format(printf, 2, 3))) static int bad(kvm_t *kd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kvm_verr(kd, EINVAL, fmt, ap);
	va_end(ap);
	return -1;
}

static int check_toc(kvm_t *kd, const struct pcpu_dom_header *h)
{
	for (unsigned int i = 0; i < PCPU_DOM_TOC_MAX; i++) {
		unsigned int type = h->toc[i].type, off = h->toc[i].offset;

		if (type == 0)
			return 0;
		if (!kvm_inside(off, PCPU_DOM_LEN(type), PCPU_DOM_HDR_SIZE))
			return bad(kd,
				   "bad domain header: toc[%u] field at offset %u "
				   "runs past the 4096-byte header",
				   i, off);
	}
	return bad(kd, "bad domain header: toc has no terminating zero type within %d entries",
		   PCPU_DOM_TOC_MAX);
}

static int check_identity(kvm_t *kd, const struct pcpu_dom_header *h)
{
	if (memcmp(h->magic, PCPU_DOM_MAGIC, sizeof(h->magic)) != 0) {
		kvm_err(kd, EINVAL, "not a pcpu domain: wrong magic (want \"PCPUDOM\\n\")");
		return -1;
	}
	if (h->version_major != PCPU_DOM_VERSION_MAJOR)
		return bad(kd,
			   "unsupported domain format: version %u.%u is %s than this reader's "
			   "version %d (doc/domain-format.md)",
			   h->version_major, h->version_minor,
			   h->version_major < PCPU_DOM_VERSION_MAJOR ? "older" : "newer",
			   PCPU_DOM_VERSION_MAJOR);
	if (h->ready != PCPU_DOM_READY)
		return bad(kd,
			   "domain not ready: ready is 0x%08x, not 0x%08x (writer still starting?)",
			   h->ready, PCPU_DOM_READY);
	if (h->hdr_size != PCPU_DOM_HDR_SIZE)
		return bad(kd, "bad domain header: hdr_size %u, must be %u", h->hdr_size,
			   PCPU_DOM_HDR_SIZE);
	if (memchr(h->progname, '\0', sizeof(h->progname)) == NULL)
		return bad(kd, "bad domain header: progname not NUL-terminated within %d bytes",
			   PCPU_DOM_PROGNAME_MAX);
	if (memchr(h->name, '\0', sizeof(h->name)) == NULL)
		return bad(kd, "bad domain header: name not NUL-terminated within %d bytes",
			   PCPU_DOM_NAME_MAX);
	return check_toc(kd, h);
}

static int check_geometry(kvm_t *kd, const struct pcpu_dom_header *h, uint64_t file_len)
{
	uint64_t span;

	if (h->page_size < PAGE_SIZE_MIN || h->page_size > PAGE_SIZE_MAX ||
	    (h->page_size & (h->page_size - 1)) != 0)
		return bad(kd, "bad domain header: page_size %u is not a power of two in 4096..%u",
			   h->page_size, PAGE_SIZE_MAX);
	if (h->maxcpu == 0 || h->maxcpu > PCPU_DOM_MAXCPU_LIMIT)
		return bad(kd, "bad domain header: maxcpu %u is not in 1..%u", h->maxcpu,
			   PCPU_DOM_MAXCPU_LIMIT);
	if (h->pcpu_size < sizeof(struct pcpu) || h->pcpu_size > h->page_size)
		return bad(kd, "bad domain header: pcpu_size %u is not in 128..page_size (%u)",
			   h->pcpu_size, h->page_size);
	if (h->stride == 0 || h->stride % h->page_size != 0 || h->stride > STRIDE_MAX)
		return bad(kd,
			   "bad domain header: stride %" PRIu64 " is not a non-zero multiple of "
			   "page_size %u up to 64 MiB",
			   h->stride, h->page_size);
	if (__builtin_mul_overflow(h->stride, (uint64_t)h->maxcpu, &span))
		return bad(kd, "bad domain header: maxcpu %u * stride %" PRIu64 " overflows",
			   h->maxcpu, h->stride);
	if (h->writer_base == 0 || h->writer_base % h->page_size != 0)
		return bad(kd,
			   "bad domain header: writer_base 0x%" PRIx64
			   " is zero or not aligned to %u",
			   h->writer_base, h->page_size);
	if (h->file_size < PCPU_DOM_HDR_SIZE || h->file_size > file_len)
		return bad(kd,
			   "bad domain header: file_size %" PRIu64 " is not in 4096..%" PRIu64
			   " (the file's size)",
			   h->file_size, file_len);
	if (h->writer_base + h->file_size < h->writer_base)
		return bad(kd,
			   "bad domain header: writer_base 0x%" PRIx64 " + file_size %" PRIu64
			   " overflows",
			   h->writer_base, h->file_size);
	return 0;
}

static int check_chunks(kvm_t *kd, const struct pcpu_dom_header *h)
{
	uint64_t span = h->stride * h->maxcpu;

	if (h->nchunks > PCPU_DOM_MAX_CHUNKS)
		return bad(kd, "bad domain header: nchunks %u exceeds %d", h->nchunks,
			   PCPU_DOM_MAX_CHUNKS);
	for (unsigned int k = 0; k < PCPU_DOM_MAX_CHUNKS; k++) {
		if (h->chunk_off[k] % h->page_size != 0)
			return bad(kd,
				   "bad domain header: chunk_off[%u] %" PRIu64
				   " is not page-aligned",
				   k, h->chunk_off[k]);
		if (k < h->nchunks && (h->chunk_off[k] < PCPU_DOM_HDR_SIZE ||
				       !kvm_inside(h->chunk_off[k], span, h->file_size)))
			return bad(kd,
				   "bad domain header: chunk %u at offset %" PRIu64 " is outside "
				   "the header..file_size range",
				   k, h->chunk_off[k]);
	}
	return 0;
}

/* A table at off of bytes bytes must start on a page after the header and end inside
 * file_size. */
static int check_table(kvm_t *kd, const struct pcpu_dom_header *h, const char *field, uint64_t off,
		       uint64_t bytes, const char *table)
{
	if (off % h->page_size != 0 || off < PCPU_DOM_HDR_SIZE ||
	    !kvm_inside(off, bytes, h->file_size))
		return bad(kd,
			   "bad domain header: %s %" PRIu64 ": the %s (%" PRIu64
			   " bytes) is not page-aligned inside file_size",
			   field, off, table, bytes);
	return 0;
}

static int check_tables(kvm_t *kd, const struct pcpu_dom_header *h)
{
	if (check_table(kd, h, "pcpu_off", h->pcpu_off, (uint64_t)h->pcpu_size * h->maxcpu,
			"struct pcpu table") < 0)
		return -1;
	if (h->sym_count > h->sym_cap)
		return bad(kd, "bad domain header: sym_count %u exceeds sym_cap %u", h->sym_count,
			   h->sym_cap);
	if (check_table(kd, h, "sym_off", h->sym_off,
			(uint64_t)h->sym_cap * sizeof(struct pcpu_dom_sym), "symbol table") < 0)
		return -1;
	if (h->proc_cap == 0 || h->proc_cap > PCPU_DOM_PROC_MAX)
		return bad(kd, "bad domain header: proc_cap %u is not in 1..%u", h->proc_cap,
			   PCPU_DOM_PROC_MAX);
	return check_table(kd, h, "proc_off", h->proc_off,
			   (uint64_t)h->proc_cap * sizeof(struct pcpu_dom_proc), "process table");
}

/* The metadata table (2.1) is optional: meta_off 0 is a file without one. */
static int check_meta(kvm_t *kd, const struct pcpu_dom_header *h)
{
	if (h->meta_off == 0)
		return 0;
	if (h->meta_cap != h->sym_cap)
		return bad(kd, "bad domain header: meta_cap %u is not sym_cap %u", h->meta_cap,
			   h->sym_cap);
	return check_table(kd, h, "meta_off", h->meta_off,
			   (uint64_t)h->meta_cap * sizeof(struct pcpu_dom_meta), "metadata table");
}

/* The DPCPU block of CPU 0 is an allocation in chunk 0, so every CPU's block is inside it. */
static int check_dpcpu(kvm_t *kd, const struct pcpu_dom_header *h)
{
	uint64_t off;

	if (h->dpcpu_addr == 0 && h->dpcpu_size == 0)
		return 0;
	if (h->dpcpu_size > h->stride)
		return bad(kd,
			   "bad domain header: dpcpu_size %" PRIu64 " exceeds stride %" PRIu64 "",
			   h->dpcpu_size, h->stride);
	off = h->dpcpu_addr - h->writer_base;
	if (h->nchunks == 0 || h->dpcpu_addr < h->writer_base || off < h->chunk_off[0] ||
	    off - h->chunk_off[0] >= h->stride ||
	    h->dpcpu_size > h->stride - (off - h->chunk_off[0]))
		return bad(kd,
			   "bad domain header: dpcpu_addr 0x%" PRIx64 " (%" PRIu64
			   " bytes) is not inside "
			   "zpcpu chunk 0",
			   h->dpcpu_addr, h->dpcpu_size);
	return 0;
}

int kvm_header_load(kvm_t *kd, const struct pcpu_dom_header *h, uint64_t file_len,
		    struct kvm_layout *lay)
{
	if (check_identity(kd, h) != 0 || check_geometry(kd, h, file_len) != 0 ||
	    check_chunks(kd, h) != 0 || check_tables(kd, h) != 0 || check_meta(kd, h) != 0 ||
	    check_dpcpu(kd, h) != 0)
		return -1;
	*lay = (struct kvm_layout){
		.maxcpu = h->maxcpu,
		.page_size = h->page_size,
		.pcpu_size = h->pcpu_size,
		.flags = h->flags,
		.sym_cap = h->sym_cap,
		.nchunks = h->nchunks,
		.stride = h->stride,
		.writer_base = h->writer_base,
		.pcpu_off = h->pcpu_off,
		.sym_off = h->sym_off,
		.dpcpu_addr = h->dpcpu_addr,
		.dpcpu_size = h->dpcpu_size,
		.proc_off = h->proc_off,
		.proc_cap = h->proc_cap,
		.meta_off = h->meta_off,
		.meta_cap = h->meta_off != 0 ? h->meta_cap : 0,
		.writer_pid = h->writer_pid,
		.writer_start = h->writer_start,
		.created_ns = h->created_ns,
		.snapshot_ns = h->snapshot_ns,
	};
	memcpy(lay->chunk_off, h->chunk_off, sizeof(lay->chunk_off));
	memcpy(lay->name, h->name, sizeof(lay->name));
	memcpy(lay->progname, h->progname, sizeof(lay->progname));
	return 0;
}

int kvm_sym_check(kvm_t *kd, uint32_t index, const struct pcpu_dom_sym *sym)
{
	if (sym->kind != PCPU_SYM_FREE && memchr(sym->name, '\0', sizeof(sym->name)) == NULL)
		return bad(kd,
			   "bad symbol table: symbol %u: name not NUL-terminated within %d bytes",
			   index, PCPU_DOM_SYM_NAME_MAX);
	return 0;
}

int kvm_isdomain(int fd)
{
	char magic[sizeof(((struct pcpu_dom_header *)0)->magic)];
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	       pread(fd, magic, sizeof(magic), offsetof(struct pcpu_dom_header, magic)) ==
		       (ssize_t)sizeof(magic) &&
	       memcmp(magic, PCPU_DOM_MAGIC, sizeof(magic)) == 0;
}
