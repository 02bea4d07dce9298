/* Hardware watchpoints for tests that need an access to a chosen word to stop the
 * thread at once: perf_event_open(2), PERF_TYPE_BREAKPOINT, delivered as SIGTRAP. */
#ifndef PCPU_TESTS_COMMON_WATCH_H
#define PCPU_TESTS_COMMON_WATCH_H

#include <linux/hw_breakpoint.h>
#include <signal.h>

/*
 * Installs on_trap for SIGTRAP and opens a disarmed watchpoint on the len bytes
 * (HW_BREAKPOINT_LEN_*) at addr, of type type (HW_BREAKPOINT_W or _RW; x86 has no
 * read-only kind), for this thread: once armed (test_watch_arm), the access traps just
 * after the instruction that made it. The watchpoint's descriptor, or -1 with errno when
 * the kernel gives this process none (perf_event_paranoid, no root).
 */
int test_watch(const void *addr, unsigned int type, unsigned int len,
	       void (*on_trap)(int, siginfo_t *, void *));
/* Arms (1) or disarms (0) watchpoint fd; async-signal-safe. 0, or -1 with errno. */
int test_watch_arm(int fd, int on);

#endif
