/* Shared fixtures for the pcpu tests: private temp dirs and child processes. */
#ifndef PCPU_TESTS_COMMON_TESTUTIL_H
#define PCPU_TESTS_COMMON_TESTUTIL_H

#include <stddef.h>
#include <sys/types.h>

/* Creates a fresh 0700 directory under $TMPDIR (or /tmp) and returns its path in a
 * static per-thread buffer; each call makes a new one. The process that made it removes
 * it, with its contents, when it exits. */
const char *test_tmpdir(void);

/* Joins dir and name into a newly allocated path (caller frees). */
char *test_path(const char *dir, const char *name);

/* Waits for pid and returns its exit status, or 128+signal when it was killed. */
int test_wait_exit(pid_t pid);

/* Path of a binary built in this CMake tree (from $PCPU_TEST_BINDIR), caller frees. */
char *test_built_binary(const char *relpath);

/* The integer in /sys/devices/system/cpu/cpu<cpu>/<leaf>, or -1 when there is none:
 * what struct pcpu's topology fields must hold. */
int test_sysfs_cpu_int(unsigned int cpu, const char *leaf);

#endif
