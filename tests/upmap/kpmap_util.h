/* Fixtures for the kpmap tests: private map paths and kpmapd processes. */
#ifndef PCPU_TESTS_UPMAP_KPMAP_UTIL_H
#define PCPU_TESTS_UPMAP_KPMAP_UTIL_H

#include <stdint.h>
#include <sys/types.h>

/* A fresh private path for a kpmap file, also set as $PCPU_KPMAP; files there are
 * trusted through $PCPU_KPMAP_OWNER = our uid. Caller frees. */
char *kp_private_path(void);

/* Removes the file (if still there) and its private directory, and frees path. */
void kp_cleanup(char *path);

/* Starts kpmapd --foreground --path path --hz hz and waits until its map is live. */
pid_t kp_start_kpmapd(const char *path, int hz);

/* Runs kpmapd with the given NULL-terminated arguments and returns its exit status. */
int kp_run_kpmapd(const char *const *args);

/* Sends sig to pid and returns its exit status (128 + signal when killed by it). */
int kp_stop(pid_t pid, int sig);

/* The pcpu alive word of a kpmap (see upmap(4)). */
uint32_t kp_alive(const void *map);

#endif
