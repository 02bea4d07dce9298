/* What /proc says about a process: its files, start time and PID namespace. */
#ifndef PCPU_SYS_PROC_H
#define PCPU_SYS_PROC_H

#include <stdint.h>
#include <sys/types.h>

/* Reads at most len - 1 bytes of /proc/PID/leaf into buf and ends them with a NUL: their
 * number, or -1 with errno. Async-signal-safe. */
ssize_t pcpu_proc_read(pid_t pid, const char *leaf, char *buf, size_t len);

/* Field field (3 or more, counted from 1 as proc(5) does) of the text of a
 * /proc/PID/stat file, or NULL when it has fewer. Async-signal-safe. */
const char *pcpu_proc_stat_field(const char *stat, int field);

/* Field 22 of /proc/PID/stat, clock ticks after boot (with the pid, it names one
 * process). Async-signal-safe: open and read, no stdio. 0 when unknown. */
uint64_t pcpu_proc_start_time(pid_t pid);

/* The inode of this process's PID namespace (/proc/self/ns/pid), which tells apart two
 * processes with one pid in different namespaces; 0 when unknown. Async-signal-safe. */
uint64_t pcpu_self_pidns(void);

#endif
