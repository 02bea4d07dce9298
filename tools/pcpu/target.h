/*
 * TARGET resolution: a pid (its domain /dev/shm/pcpu.<pid>, or the PCPU_DOMAIN it was
 * started with), a domain file or a snapshot, opened with kvm_openfiles(). Also the
 * tool-side symbol table reader: FreeBSD's kvm API looks names up but cannot list them,
 * so the table is read with kvm_read() at the addresses the header gives
 * (doc/domain-format.md).
 */
#ifndef PCPU_TOOL_TARGET_H
#define PCPU_TOOL_TARGET_H

#include <stdbool.h>
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
	pid_t pid; /* the writer's pid from the header */
	bool alive;
	bool snapshot;
	char progname[PCPU_DOM_PROGNAME_MAX];
	struct pcpu_dom_header hdr;
	struct tool_sym *syms;
	size_t nsyms;
};

/* Resolves spec and opens it; on failure prints one error line and returns -1. */
int target_open(struct target *t, const char *spec);
void target_close(struct target *t);

/* The domain path a pid argument stands for, or NULL (error printed). Caller frees. */
char *target_resolve(const char *spec);

/* Whether pid still runs the program that wrote a header with this writer_start (a
 * different start time means the pid was reused). */
bool target_writer_alive(pid_t pid, uint64_t writer_start);

/* "counter", "dpcpu", "zpcpu" or "object". */
const char *target_kind_name(uint32_t kind);

/* Checks again whether the writer lives (a watch outlives it). */
void target_refresh_state(struct target *t);

/* "alive", "dead" (the writer exited or its pid was reused) or "snapshot". */
const char *target_state(const struct target *t);

/* Counts the live symbols of the given kind (PCPU_SYM_*). */
size_t target_count_kind(const struct target *t, uint32_t kind);

#endif
