/*
 * The domain target: a domain file (live or left by a dead writer) or a snapshot, mapped
 * read-only. Every access is an offset range checked against the readable size, and every
 * load from the mapping is bracketed by kvm_guard_arm and guard_end.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format/publish.h"
#include "kvm/kvm_private.h"

/* Maps (or re-maps, possibly moving) the first len bytes of the file. */
static int map_file(kvm_t *kd, uint64_t len)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	size_t want = (size_t)((len + page - 1) & ~(page - 1));
	void *p;

	if (want <= kd->maplen)
		return 0;
	if (kd->guard == NULL && (kd->guard = kvm_guard_acquire()) == NULL) {
		kvm_err(kd, errno, "cannot guard the mapping of the domain: %s", strerror(errno));
		return -1;
	}
	if (kd->map == NULL)
		p = mmap(NULL, want, PROT_READ, MAP_SHARED, kd->fd, 0);
	else
		p = mremap((void *)kd->map, kd->maplen, want, MREMAP_MAYMOVE);
	if (p == MAP_FAILED) {
		kvm_err(kd, errno, "cannot map %zu bytes of the domain: %s", want, strerror(errno));
		return -1;
	}
	kd->map = p;
	kd->maplen = want;
	return 0;
}

static int file_len(kvm_t *kd, uint64_t *len)
{
	struct stat st;

	if (fstat(kd->fd, &st) != 0) {
		kvm_err(kd, errno, "fstat of the domain: %s", strerror(errno));
		return -1;
	}
	*len = (uint64_t)st.st_size;
	return 0;
}

/*
 * Whole aligned 8-byte loads, even for the partial words at either end: a value that the
 * writer updates concurrently is an aligned word (or part of one) and so is seen whole.
 * The words at the ends stay inside the mapping since it is page-aligned and page-sized.
 * Relaxed order suffices for values; what publishes structure (file_size, sym_count,
 * nchunks) is loaded with acquire in kvm_domain_live.
 */
static void copy_words(const unsigned char *src, unsigned char *dst, size_t len)
{
	size_t done = 0;

	while (done < len) {
		uintptr_t at = (uintptr_t)src + done;
		uintptr_t word = at & ~(uintptr_t)7;
		size_t skip = at - word, n = 8 - skip;
		uint64_t v = __atomic_load_n((const uint64_t *)word, __ATOMIC_RELAXED);

		if (n > len - done)
			n = len - done;
		memcpy(dst + done, (const unsigned char *)&v + skip, n);
		done += n;
	}
}

/*
 * Ends a guarded read. When a page was lost (the file shrank), zero pages now stand in
 * for it in the mapping, so the handle can no longer tell file contents from filler: it
 * is marked broken and every later call fails too. 0 or -1.
 */
static int guard_end(kvm_t *kd)
{
	uint64_t len = 0;

	if (!kvm_guard_disarm(kd->guard))
		return 0;
	kd->broken = 1;
	file_len(kd, &len);
	kvm_err(kd, EIO, "the domain file shrank to %" PRIu64 " bytes while mapped", len);
	return -1;
}

int kvm_domain_copy(kvm_t *kd, uint64_t off, void *dst, size_t len)
{
	kvm_guard_arm(kd->guard, kd->map, kd->maplen);
	copy_words(kd->map + off, dst, len);
	return guard_end(kd);
}

static uint64_t widen(const unsigned char *b, size_t size, int is_signed)
{
	uint64_t v = 0;

	memcpy(&v, b, size); /* little-endian, as the format requires */
	if (is_signed && size < 8 && (v >> (size * 8 - 1)) & 1)
		v |= ~UINT64_C(0) << (size * 8);
	return v;
}

/* An aligned counter is one atomic load; anything else goes through copy_words. */
static inline __attribute__((always_inline)) uint64_t load_int(const unsigned char *at, size_t size,
							       int is_signed)
{
	unsigned char b[8];

	if (size == 8 && (uintptr_t)at % 8 == 0)
		return __atomic_load_n((const uint64_t *)at, __ATOMIC_RELAXED);
	copy_words(at, b, size);
	return widen(b, size, is_signed);
}

/* One CPU's contribution of ref at slot: a counter's is its value less its adjustment. */
static inline __attribute__((always_inline)) uint64_t load_ref(const unsigned char *slot,
							       const struct kvm_intref *ref)
{
	uint64_t v = load_int(slot + ref->off, ref->size, ref->is_signed);

	if (ref->adj != 0)
		v -= load_int(slot + ref->off + ref->adj * sizeof(uint64_t), sizeof(uint64_t), 0);
	return v;
}

int kvm_domain_sums(kvm_t *kd, const struct kvm_intref *ref, size_t n, int cpu, uint64_t *sums)
{
	uint32_t first = cpu < 0 ? 0 : (uint32_t)cpu, end = cpu < 0 ? kd->lay.maxcpu : first + 1;

	kvm_guard_arm(kd->guard, kd->map, kd->maplen);
	for (size_t k = 0; k < n; k++)
		sums[k] = ref[k].percpu ? 0 : load_ref(kd->map, &ref[k]);
	for (uint32_t i = first; i < end; i++) {
		const unsigned char *slot = kd->map + (uint64_t)i * kd->lay.stride;

		for (size_t k = 0; k < n; k++)
			if (ref[k].percpu)
				sums[k] += load_ref(slot, &ref[k]);
	}
	return guard_end(kd);
}

int kvm_domain_load_acquire32(kvm_t *kd, uint64_t off, uint32_t *v)
{
	kvm_guard_arm(kd->guard, kd->map, kd->maplen);
	*v = __atomic_load_n((const uint32_t *)(kd->map + off), __ATOMIC_ACQUIRE);
	return guard_end(kd);
}

int kvm_domain_sum(kvm_t *kd, uint64_t off, uint64_t *sum)
{
	struct kvm_intref ref = {.off = off, .size = sizeof(uint64_t), .percpu = 1};

	return kvm_domain_sums(kd, &ref, 1, -1, sum);
}

int kvm_domain_live(kvm_t *kd, struct kvm_live *live)
{
	const struct pcpu_dom_header *h = (const struct pcpu_dom_header *)kd->map;

	/* The reader halves of publications 2 and 3 (format/publish.h). */
	kvm_guard_arm(kd->guard, kd->map, kd->maplen);
	pcpu_obs_growth(h, &live->file_size, &live->nchunks);
	live->sym_count = pcpu_obs_sym_count(h);
	if (guard_end(kd) != 0)
		return -1;
	if (live->sym_count > kd->lay.sym_cap) {
		kvm_err(kd, EINVAL,
			"bad domain header: sym_count %" PRIu32 " exceeds sym_cap %" PRIu32,
			live->sym_count, kd->lay.sym_cap);
		return -1;
	}
	if (live->nchunks > PCPU_DOM_MAX_CHUNKS) {
		kvm_err(kd, EINVAL, "bad domain header: nchunks %" PRIu32 " exceeds %d",
			live->nchunks, PCPU_DOM_MAX_CHUNKS);
		return -1;
	}
	return 0;
}

/* The writer only grows the file; re-reads how much of it is in use and maps that. */
static int grow(kvm_t *kd)
{
	struct kvm_live live;
	uint64_t len, limit;

	if (kvm_domain_live(kd, &live) != 0 || file_len(kd, &len) != 0)
		return -1;
	limit = live.file_size < len ? live.file_size : len;
	if (limit < PCPU_DOM_HDR_SIZE) {
		kvm_err(kd, EINVAL,
			"bad domain header: file_size is now %" PRIu64 " of a %" PRIu64
			"-byte file, less than the header",
			live.file_size, len);
		return -1;
	}
	if (map_file(kd, limit) != 0)
		return -1;
	kd->limit = limit;
	return 0;
}

int kvm_domain_span_grow(kvm_t *kd, uint64_t off, uint64_t len, const char *what)
{
	if (grow(kd) != 0)
		return -1;
	if (kvm_inside(off, len, kd->limit))
		return 0;
	kvm_err(kd, EFAULT,
		"%s: %" PRIu64 " bytes at offset %" PRIu64 " lie outside the domain's %" PRIu64
		" bytes",
		what, len, off, kd->limit);
	return -1;
}

int kvm_domain_addr(kvm_t *kd, uint64_t addr, uint64_t len, const char *what, uint64_t *off)
{
	if (addr < kd->lay.writer_base) {
		kvm_err(kd, EFAULT,
			"%s: address 0x%" PRIx64 " is below the domain (at 0x%" PRIx64 ")", what,
			addr, kd->lay.writer_base);
		return -1;
	}
	*off = addr - kd->lay.writer_base;
	if (kvm_domain_span(kd, *off, len, what) == 0)
		return 0;
	/* The span check speaks in file offsets; the caller gave an address. */
	if (errno == EFAULT)
		kvm_err(kd, EFAULT,
			"%s: %" PRIu64 " bytes at address 0x%" PRIx64
			" lie outside the domain (0x%" PRIx64 " to 0x%" PRIx64 ")",
			what, len, addr, kd->lay.writer_base, kd->lay.writer_base + kd->limit);
	return -1;
}

/* The reader halves of publications 4 and 5 (format/publish.h): a copy of the symbol
 * entry (meta NULL) or the metadata entry at off that no rewrite tore. */
static int copy_entry(kvm_t *kd, uint64_t off, struct pcpu_dom_sym *sym, struct pcpu_dom_meta *meta)
{
	const void *at = kd->map + off;
	int torn = 1;

	kvm_guard_arm(kd->guard, kd->map, kd->maplen);
	for (int i = 0; torn && i < PCPU_SEQ_TRIES; i++) {
		pcpu_seq_backoff(i);
		torn = (meta != NULL ? pcpu_meta_read(at, meta) : pcpu_sym_read(at, sym)) != 0;
	}
	if (guard_end(kd) != 0)
		return -1;
	if (torn) {
		kvm_err(kd, EAGAIN, "%s entry at offset %" PRIu64 " is being rewritten",
			meta != NULL ? "metadata" : "symbol", off);
		return -1;
	}
	return 0;
}

int kvm_domain_sym(kvm_t *kd, uint32_t index, struct pcpu_dom_sym *sym)
{
	uint64_t off = kd->lay.sym_off + (uint64_t)index * sizeof(*sym);

	if (kvm_domain_span(kd, off, sizeof(*sym), "symbol table") != 0 ||
	    copy_entry(kd, off, sym, NULL) != 0)
		return -1;
	return kvm_sym_check(kd, index, sym);
}

int kvm_domain_meta(kvm_t *kd, uint32_t index, struct pcpu_dom_meta *meta)
{
	uint64_t off = kd->lay.meta_off + (uint64_t)index * sizeof(*meta);

	if (kvm_domain_span(kd, off, sizeof(*meta), "metadata table") != 0)
		return -1;
	return copy_entry(kd, off, NULL, meta);
}

static int find_chunk(const kvm_t *kd, uint64_t off, uint64_t *chunk)
{
	for (uint32_t k = 0; k < kd->lay.nchunks; k++) {
		if (off >= kd->lay.chunk_off[k] && off - kd->lay.chunk_off[k] < kd->lay.stride) {
			*chunk = kd->lay.chunk_off[k];
			return 0;
		}
	}
	return -1;
}

/* Learns the chunks a live writer appended since we last looked. */
static int more_chunks(kvm_t *kd)
{
	struct kvm_live live;
	uint64_t c;

	if (kvm_domain_live(kd, &live) != 0)
		return -1;
	for (uint32_t k = kd->lay.nchunks; k < live.nchunks; k++) {
		if (kvm_domain_copy(kd, offsetof(struct pcpu_dom_header, chunk_off) + k * sizeof(c),
				    &c, sizeof(c)) != 0)
			return -1;
		if (c % kd->lay.page_size != 0 || c < PCPU_DOM_HDR_SIZE) {
			kvm_err(kd, EINVAL,
				"bad domain header: chunk_off[%" PRIu32 "] %" PRIu64
				" is not page-aligned after the header",
				k, c);
			return -1;
		}
		kd->lay.chunk_off[k] = c;
		kd->lay.nchunks = k + 1;
	}
	return 0;
}

/*
 * What this checks cannot become false while the handle stays usable: the readable limit
 * only grows, chunks are never removed, and a shrink marks the handle broken. So a base
 * checked before is taken as is until the cached layout is reloaded.
 */
int kvm_domain_zpcpu(kvm_t *kd, uint64_t base, uint64_t size, uint64_t *off)
{
	uint64_t chunk;

	if (kd->zpcpu_seen.size != 0 && base == kd->zpcpu_seen.base &&
	    size <= kd->zpcpu_seen.size) {
		*off = kd->zpcpu_seen.off;
		return 0;
	}
	if (kvm_domain_addr(kd, base, 0, "zpcpu base", off) != 0)
		return -1;
	if (find_chunk(kd, *off, &chunk) != 0) {
		if (more_chunks(kd) != 0)
			return -1;
		if (find_chunk(kd, *off, &chunk) != 0) {
			kvm_err(kd, EFAULT,
				"zpcpu base 0x%" PRIx64 " is not in any of the domain's %" PRIu32
				" zpcpu chunks",
				base, kd->lay.nchunks);
			return -1;
		}
	}
	if (size > kd->lay.stride - (*off - chunk)) {
		kvm_err(kd, EFAULT,
			"zpcpu base 0x%" PRIx64 ": %" PRIu64
			" bytes per CPU run past the stride %" PRIu64,
			base, size, kd->lay.stride);
		return -1;
	}
	if (kvm_domain_span(kd, chunk, kd->lay.stride * kd->lay.maxcpu, "zpcpu chunk") != 0)
		return -1;
	kd->zpcpu_seen.base = base;
	kd->zpcpu_seen.size = size;
	kd->zpcpu_seen.off = *off;
	return 0;
}

/*
 * The reader half of publication 1 (format/publish.h): ready is acquired before the
 * header is copied. A file with the magic but not ready is a domain being created.
 */
static int copy_header(kvm_t *kd, struct pcpu_dom_header *h)
{
	int ready;

	kvm_guard_arm(kd->guard, kd->map, kd->maplen);
	ready = pcpu_obs_ready((const struct pcpu_dom_header *)kd->map);
	copy_words(kd->map, (unsigned char *)h, sizeof(*h));
	if (guard_end(kd) != 0)
		return -1;
	if (!ready && memcmp(h->magic, PCPU_DOM_MAGIC, sizeof(h->magic)) == 0) {
		kvm_err(kd, EAGAIN, "domain not ready: its writer is still creating it");
		return -1;
	}
	if (!ready)
		h->ready = 0; /* not a domain: kvm_header_load says why */
	return 0;
}

int kvm_domain_reload(kvm_t *kd)
{
	struct pcpu_dom_header h;
	struct pcpu_dom_sym sym;
	uint64_t len;

	if (file_len(kd, &len) != 0)
		return -1;
	if (len < PCPU_DOM_HDR_SIZE) {
		kvm_err(kd, EINVAL, "truncated domain: %" PRIu64 " bytes, the header alone is %u",
			len, PCPU_DOM_HDR_SIZE);
		return -1;
	}
	if (map_file(kd, len) != 0 || copy_header(kd, &h) != 0 ||
	    kvm_header_load(kd, &h, len, &kd->lay) != 0)
		return -1;
	kd->limit = h.file_size;
	for (uint32_t i = 0; i < h.sym_count; i++)
		if (kvm_domain_sym(kd, i, &sym) != 0)
			return -1;
	return 0;
}

int kvm_domain_open(kvm_t *kd, const char *path)
{
	if (kvm_trust_open(kd, path) != 0)
		return -1;
	return kvm_domain_reload(kd);
}

void kvm_domain_close(kvm_t *kd)
{
	if (kd->map != NULL)
		munmap((void *)kd->map, kd->maplen);
	kvm_guard_release(kd->guard);
	if (kd->fd >= 0)
		close(kd->fd);
	free(kd->procs);
	free(kd->argbuf);
	free(kd->argv);
}
