#include "format/snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "format/domain_format.h"
#include "format/publish.h"

enum { BLOCK = 65536 };

static void load_words(uint64_t *dst, const void *src, size_t len)
{
	const uint64_t *s = src;

	for (size_t i = 0; i < len / 8; i++)
		dst[i] = __atomic_load_n(&s[i], __ATOMIC_RELAXED);
}

static int all_zero(const uint64_t *w, size_t len)
{
	for (size_t i = 0; i < len / 8; i++)
		if (w[i] != 0)
			return 0;
	return 1;
}

/*
 * The header is copied after the caller read file_size, so a live writer may have grown
 * the arena since: the snapshot holds exactly size bytes, and a chunk published after
 * that point would lie outside it and make readers refuse the whole file. Chunks are
 * appended in order, so dropping them from the end keeps the rest consistent.
 */
static void freeze_header(struct pcpu_dom_header *h, size_t size)
{
	struct timespec now;
	uint64_t chunk_len = (uint64_t)h->maxcpu * h->stride;

	h->file_size = size;
	if (h->nchunks > PCPU_DOM_MAX_CHUNKS)
		h->nchunks = PCPU_DOM_MAX_CHUNKS;
	while (h->nchunks > 0 && (h->chunk_off[h->nchunks - 1] > size ||
				  chunk_len > size - h->chunk_off[h->nchunks - 1]))
		h->nchunks--;
	clock_gettime(CLOCK_REALTIME, &now);
	h->flags |= PCPU_DOM_F_SNAPSHOT;
	h->snapshot_ns = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
	memset(h->writer_private, 0, sizeof(h->writer_private));
}

/* Writes len bytes of buf at off of the snapshot: 0, or an errno value. */
static int write_at(int fd, const void *buf, size_t len, uint64_t off)
{
	return pwrite(fd, buf, len, (off_t)off) == (ssize_t)len ? 0 : errno != 0 ? errno : EIO;
}

/* The block is on the heap, not in thread-local storage: a 64 KiB _Thread_local would be
 * static TLS that a dlopen()ed libpcpu cannot get (see pcpu(3), PROCESS-WIDE EFFECTS).
 * *hdr gets the frozen header. */
static int copy_blocks(int fd, const char *base, size_t size, struct pcpu_dom_header *hdr)
{
	uint64_t *buf = malloc(BLOCK);
	int err = 0;

	if (buf == NULL)
		return ENOMEM;
	for (size_t off = 0; off < size && err == 0; off += BLOCK) {
		size_t len = size - off < BLOCK ? size - off : BLOCK;

		load_words(buf, base + off, len);
		if (off == 0) {
			freeze_header((struct pcpu_dom_header *)buf, size);
			memcpy(hdr, buf, sizeof(*hdr));
		}
		if (all_zero(buf, len))
			continue; /* a hole reads back as zeros */
		err = write_at(fd, buf, len, off);
	}
	free(buf);
	return err;
}

/* Entry i of a table at off of entries of len bytes lies inside the copy, aligned for
 * the 8-byte loads of its sequence lock. (A file where it does not is refused by readers
 * anyway; its block copy stands.) */
static int entry_inside(uint64_t off, uint32_t i, size_t len, size_t size)
{
	uint64_t at = off + (uint64_t)i * len;

	return off != 0 && off % 8 == 0 && at >= off && at <= size && len <= size - at;
}

/*
 * Copies the symbol entry (meta 0) or metadata entry (meta 1) at off whole, under its
 * sequence lock (format/publish.h, publications 4 and 5), over its block copy. An entry
 * that no try finds whole (a writer that died inside a rewrite, or one preempted inside
 * it through every try) keeps its block copy with an odd seq, so that readers of the
 * snapshot refuse it (EAGAIN) as readers of the domain refuse it: the block copy may hold
 * the first words of one version and the last of the next under the even seq it was
 * copied with (kvm_race under ThreadSanitizer met such entries in 9 of 15 runs).
 * 0, or an errno value.
 */
static int settle_entry(int fd, const char *base, uint64_t off, size_t len, int meta)
{
	union {
		struct pcpu_dom_sym sym;
		struct pcpu_dom_meta meta;
	} e = {0};
	const void *at = base + off;
	size_t seq_off =
		meta ? offsetof(struct pcpu_dom_meta, seq) : offsetof(struct pcpu_dom_sym, seq);
	uint64_t odd;
	int torn = 1;

	for (int t = 0; torn && t < PCPU_SEQ_TRIES; t++) {
		pcpu_seq_backoff(t);
		torn = (meta ? pcpu_meta_read(at, &e.meta) : pcpu_sym_read(at, &e.sym)) != 0;
	}
	if (!torn)
		return write_at(fd, &e, len, off);
	odd = __atomic_load_n((const uint64_t *)(const void *)((const char *)at + seq_off),
			      __ATOMIC_RELAXED);
	odd |= 1;
	return write_at(fd, &odd, sizeof(odd), off + seq_off);
}

/*
 * A block copy of an entry that a writer rewrites meanwhile can hold the first words of
 * one version and the last of the next, with an even seq: the entries below sym_count
 * are copied again, each whole. They may then be newer than values copied before them,
 * which is as consistent as a snapshot is (doc/domain-format.md, "Consistency").
 */
static int settle_tables(int fd, const char *base, size_t size, const struct pcpu_dom_header *h)
{
	int err = 0;

	/* The table is contiguous: past the first entry outside the copy, all are (and a
	 * hostile sym_count costs nothing). */
	for (uint32_t i = 0; i < h->sym_count && err == 0 &&
			     entry_inside(h->sym_off, i, sizeof(struct pcpu_dom_sym), size);
	     i++) {
		err = settle_entry(fd, base, h->sym_off + (uint64_t)i * sizeof(struct pcpu_dom_sym),
				   sizeof(struct pcpu_dom_sym), 0);
		if (err == 0 && entry_inside(h->meta_off, i, sizeof(struct pcpu_dom_meta), size))
			err = settle_entry(fd, base,
					   h->meta_off + (uint64_t)i * sizeof(struct pcpu_dom_meta),
					   sizeof(struct pcpu_dom_meta), 1);
	}
	return err;
}

int pcpu_format_snapshot(const void *base, size_t size, const char *path)
{
	struct pcpu_dom_header hdr = {0};
	int fd, err;

	if (size < PCPU_DOM_HDR_SIZE || size % 8 != 0 || (uintptr_t)base % 8 != 0)
		return errno = EINVAL, -1;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	err = ftruncate(fd, (off_t)size) != 0 ? errno : copy_blocks(fd, base, size, &hdr);
	if (err == 0)
		err = settle_tables(fd, base, size, &hdr);
	if (err == 0 && fsync(fd) != 0 && errno != EINVAL)
		err = errno;
	close(fd);
	if (err != 0) {
		unlink(path);
		return errno = err, -1;
	}
	return 0;
}
