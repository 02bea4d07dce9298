/*
 * The domain of a process (pcpu stat PID): the domain file it has mapped, from
 * /proc/PID/maps; when that is not readable (another user's process), the domain whose
 * process table holds PID alive, in this PID namespace, with its start time.
 */
#ifndef PCPU_TOOL_FINDPID_H
#define PCPU_TOOL_FINDPID_H

#include <sys/types.h>

/* The path of pid's domain (caller frees), or NULL with one error line printed; a
 * process running on private memory is reported with the reason it gave. */
char *findpid_domain(pid_t pid);

#endif
