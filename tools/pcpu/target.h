/*
 * TARGET resolution: a pid (the domain it has mapped, findpid.h), a domain NAME or
 * USER/NAME (domdir.h), a domain file or a snapshot, opened with kvm_openfiles(). Also the
 * tool-side symbol table reader: FreeBSD's kvm API looks names up but cannot list them,
 * so the table is read with kvm_read() at the addresses the header gives
 * (doc/domain-format.md).
 */
#ifndef PCPU_TOOL_TARGET_H
#define PCPU_TOOL_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <pcpu/kvm.h>

#include "format/domain_format.h"

struct tool_sym {
	char name[PCPU_DOM_SYM_NAME_MAX];
	uint64_t addr; /* the writer's address, as kvm_nlist() gives it for CPU 0 */
	uint64_t size;
	uint32_t kind; /* PCPU_SYM_* */
	uint32_t flags;
};

struct target {
	char *path; /* the domain or snapshot file */
	kvm_t *kd;
	pid_t pid;  /* the creator, or a holder once the creator is gone (target.c) */
	bool alive; /* some process holds the domain */
	bool snapshot;
	int nprocs;		      /* the processes holding it */
	char name[PCPU_DOM_NAME_MAX]; /* "" for a per-process domain */
	char progname[PCPU_DOM_PROGNAME_MAX];
	struct pcpu_dom_header hdr;
	struct tool_sym *syms;
	size_t nsyms;
};

/* Resolves spec and opens it; on failure prints one error line and returns -1. */
int target_open(struct target *t, const char *spec);
void target_close(struct target *t);

/* The domain path a TARGET stands for, or NULL (error printed). Caller frees. */
char *target_resolve(const char *spec);

/* Whether fd is a regular file with the domain magic (a domain or a snapshot). */
bool target_fd_is_domain(int fd);

/* "counter", "dpcpu", "zpcpu" or "object". */
const char *target_kind_name(uint32_t kind);

/* Asks again which processes hold the domain (a watch outlives them). */
void target_refresh_state(struct target *t);

/* "alive", "dead" (no process holds it any more) or "snapshot". */
const char *target_state(const struct target *t);
/* The same with the holders counted: "alive  3 procs", in buf when alive. */
const char *target_state_text(const struct target *t, char *buf, size_t len);

/* Counts the live symbols of the given kind (PCPU_SYM_*). */
size_t target_count_kind(const struct target *t, uint32_t kind);

#endif
