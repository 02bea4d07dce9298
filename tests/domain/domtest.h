/*
 * Fixtures for the domain and counter tests: each test runs in its own process, so its
 * domain is created on first use; these point it at a private path and clean up.
 */
#ifndef PCPU_TESTS_DOMAIN_DOMTEST_H
#define PCPU_TESTS_DOMAIN_DOMTEST_H

#include <stdint.h>
#include <sys/types.h>

#include "format/domain_format.h"

/* Makes a private directory and sets PCPU_DOMAIN to "<dir>/dom"; returns that path. */
const char *domtest_use_private_path(void);
/* Makes a private directory, sets PCPU_SHMDIR to it and unsets PCPU_DOMAIN, so that
 * named and per-process domains live in "<dir>/pcpu-<euid>"; returns that per-user path. */
const char *domtest_use_private_shmdir(void);
/* Removes the domain file (if any) and the directory made above. */
void domtest_cleanup(void);

/* Maps a domain or snapshot file read-only (whole file); NULL on error. */
const struct pcpu_dom_header *domtest_map(const char *path, size_t *len);
/* The first live symbol of that name in a mapped file, or NULL. */
const struct pcpu_dom_sym *domtest_sym(const struct pcpu_dom_header *h, const char *name);
/* Bytes at a writer address inside a mapped file (no bounds check: tests only). */
const void *domtest_at(const struct pcpu_dom_header *h, uint64_t addr);
/* Sum of the 8-byte slots of every CPU of a counter base in a mapped file. */
uint64_t domtest_counter_sum(const struct pcpu_dom_header *h, uint64_t base);

/* Starts tests/domain/attach_prog with the arguments (NULL-terminated). With io non-NULL,
 * io[0] reads its stdout and io[1] writes its stdin (closing it ends "path"). */
pid_t domtest_spawn(int io[2], const char *arg, ...);
/* The same for another program of tests/domain. */
pid_t domtest_spawn_prog(const char *prog, int io[2], const char *arg, ...);
/* The first line the program started with io wrote, without its newline (static buffer). */
const char *domtest_read_line(int fd);

#endif
