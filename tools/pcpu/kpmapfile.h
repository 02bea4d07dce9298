/* Where kpmap_map() and kpmap_sysctl() look: -f FILE sets $PCPU_KPMAP for them. */
#ifndef PCPU_TOOL_KPMAPFILE_H
#define PCPU_TOOL_KPMAPFILE_H

#include <stdbool.h>

#define KPMAP_DEFAULT_PATH "/dev/shm/kpmap"

/* Parses the options kpmap and sysctl share (-f FILE, --json, -h), leaving optind at the
 * first operand. Returns false when the command must exit with *status instead. */
bool kpmapfile_options(int argc, char **argv, bool *json, int *status);

/* The path in use, for messages. */
const char *kpmapfile_path(void);
/* Makes the library use path; returns -1 (error printed) when it cannot. */
int kpmapfile_set(const char *path);
/* Prints the error line for a failure to map or change it: the file and the reason. */
int kpmapfile_err(int errnum);

#endif
