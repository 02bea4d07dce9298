/* What pcpu(1) reads about a process from /proc: its start time, title, PID namespace. */
#ifndef PCPU_TOOL_PROCFS_H
#define PCPU_TOOL_PROCFS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Field 22 of /proc/PID/stat (clock ticks after boot): 0, or -1 with errno. */
int proc_start(pid_t pid, uint64_t *start);

/* The inode of this process's PID namespace (/proc/self/ns/pid): 0, or -1 with errno. */
int proc_own_pidns(uint64_t *ino);

/* The command line of pid, arguments joined by spaces (what setproctitle shows), or "-". */
void proc_title(pid_t pid, char *buf, size_t len);

#endif
