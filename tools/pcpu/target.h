/*
 * TARGET resolution: a pid (the domain it has mapped, findpid.h), a domain NAME or
 * USER/NAME (domdir.h), a domain file or a snapshot, opened with kvm_openfiles(), its
 * symbols listed with kvm_walk_syms() and its owners described by kvm_getdominfo().
 */
#ifndef PCPU_TOOL_TARGET_H
#define PCPU_TOOL_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <pcpu/kvm.h>

struct target {
	char *path; /* the domain or snapshot file */
	kvm_t *kd;
	pid_t pid;  /* the creator, or a holder once the creator is gone (target.c) */
	bool alive; /* some process holds the domain */
	bool snapshot;
	int nprocs;		   /* the processes holding it */
	char name[KVM_DOMNAMELEN]; /* "" for a per-process domain */
	char progname[KVM_PROGNAMELEN];
	struct kvm_sym *syms;
	size_t nsyms;
};

/* Resolves spec and opens it; on failure prints one error line and returns -1. */
int target_open(struct target *t, const char *spec);
void target_close(struct target *t);
/*
 * Readies t, open from an earlier call or zeroed, for another reading of spec: when spec
 * still names the file t has open, its symbols and holders are read again (new symbols
 * appear) without mapping it anew; else t is closed and spec opened. Same result as
 * target_open.
 */
int target_reuse(struct target *t, const char *spec);
/* Reads the symbols and holders of the open file again: a symbol registered since
 * appears. On failure (error printed) t->nsyms is 0 and -1 is returned. */
int target_reread(struct target *t);

/* The domain path a TARGET stands for, or NULL (error printed). Caller frees. */
char *target_resolve(const char *spec);

/* "counter", "dpcpu", "zpcpu" or "object" for an N_* type. */
const char *target_kind_name(unsigned char type);

/* Asks again which processes hold the domain (a watch outlives them). */
void target_refresh_state(struct target *t);

/* "alive", "dead" (no process holds it any more) or "snapshot". */
const char *target_state(const struct target *t);
/* The same with the holders counted: "alive  3 procs", in buf when alive. */
const char *target_state_text(const struct target *t, char *buf, size_t len);

/* Counts the symbols of the given N_* type. */
size_t target_count_kind(const struct target *t, unsigned char type);

#endif
