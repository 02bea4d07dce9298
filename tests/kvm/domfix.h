/*
 * A domain file built byte by byte per doc/domain-format.md, without the writer: valid
 * by default, so that each hostile-input test breaks exactly one rule, and small enough
 * for the fuzzer's seed corpus. Page size and stride are 4096.
 */
#ifndef PCPU_TESTS_KVM_DOMFIX_H
#define PCPU_TESTS_KVM_DOMFIX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "format/domain_format.h"

#define DOMFIX_BASE 0x7f1200000000ull /* writer_base of every fixture */
#define DOMFIX_PAGE 4096u
#define DOMFIX_SYM_CAP 32u
#define DOMFIX_DPCPU_SIZE 256u	   /* the DPCPU block: the start of chunk 0 */
#define DOMFIX_PROC_CAP 8u	   /* process slots, all free */
#define DOMFIX_PIDNS 4026531836ull /* the pidns inode recorded in slots */

struct domfix {
	unsigned char *buf; /* the file image */
	size_t len;
	struct pcpu_dom_header *hdr;
	uint64_t next; /* bump allocator: next free offset inside a CPU's stride of the
			  last chunk */
};

/* A ready domain of maxcpu slots, CPUs 0..nactive-1 present and online, one chunk, an
 * empty name, DOMFIX_PROC_CAP free process slots and an empty metadata table. */
int domfix_init(struct domfix *f, uint32_t maxcpu, uint32_t nactive);
void domfix_free(struct domfix *f);

/* Allocates size bytes per CPU in the last chunk; returns the writer address (0 when
 * the chunk is full). */
uint64_t domfix_zalloc(struct domfix *f, uint64_t size);
/* Appends a zpcpu chunk (the next allocations go there); 0 or -1. */
int domfix_add_chunk(struct domfix *f);
/* Appends a symbol entry and returns it, for tests that then break it. */
struct pcpu_dom_sym *domfix_sym(struct domfix *f, const char *name, uint32_t kind, uint64_t addr,
				uint64_t size);
/* Sets the metadata entry of symbol s (from domfix_sym) to type (PCPU_META_*) and
 * nothing else, and returns it for tests that then fill or break it. */
struct pcpu_dom_meta *domfix_meta(struct domfix *f, const struct pcpu_dom_sym *s, uint32_t type);
/* CPU cpu's copy of the per-CPU object at writer address addr, inside the image. */
void *domfix_at(struct domfix *f, uint64_t addr, uint32_t cpu);
struct pcpu *domfix_pcpu(struct domfix *f, uint32_t cpu);
/* Records process slot slot as state (PCPU_PROC_*) for pid, comm "domfix", and returns
 * it for tests that then change it. */
struct pcpu_dom_proc *domfix_proc(struct domfix *f, unsigned int slot, uint32_t state, int32_t pid);

/*
 * Starts a child process that takes the holder lock of each of the n slots on the file
 * at path, as a writer holding the domain does, and keeps them until it is killed (it
 * dies with the test too). Returns its pid once the locks are taken, or -1.
 */
pid_t domfix_hold(const char *path, const unsigned int *slots, unsigned int n);
/* Kills a holder with SIGKILL and waits for it: its locks are gone on return. */
void domfix_unhold(pid_t holder);

/* Writes the image to a new file (0600, O_EXCL); 0 or -1. */
int domfix_write(const struct domfix *f, const char *path);
/* Writes the image as "domain" in a fresh private directory; returns the path (caller
 * frees) or NULL. domfix_remove deletes the file, anything else named in the directory
 * by the test (pass it too, or NULL), the directory, and frees path. */
char *domfix_save(const struct domfix *f);
void domfix_remove(char *path, const char *other_name);

#endif
