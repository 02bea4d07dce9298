/*
 * The per-user domain directories: $PCPU_SHMDIR/pcpu-<uid> (PCPU_SHMDIR defaults to
 * /dev/shm), where named domains (NAME) and per-process ones (pid.<pid>.<pidns>) live.
 * A directory is trusted when it is a real directory owned by the uid its name gives and
 * nobody else can write it; any other is skipped with one warning line.
 */
#ifndef PCPU_TOOL_DOMDIR_H
#define PCPU_TOOL_DOMDIR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct domdir {
	char *path;
	uid_t uid;
};

/* The trusted directories: the caller's first, then root's, then the others by uid.
 * 0, or -1 (error printed). domdir_free releases the list. */
int domdir_list(struct domdir **dirs, size_t *n);
void domdir_free(struct domdir *dirs, size_t n);

/*
 * The path of the domain NAME: the caller's directory, then root's, then the one other
 * user's directory that has it; or NULL with one error line (none, several: naming
 * them, or a directory that could not be searched). Caller frees.
 */
char *domdir_lookup(const char *name);
/* The same for spec "USER/NAME" (slash at the '/'), USER a login name or a uid. */
char *domdir_lookup_user(const char *spec, const char *slash);

/*
 * Every domain and snapshot in the trusted directories, as `pcpu ls` finds them but only
 * the files with the domain magic that the caller may open: paths sorted within each
 * directory, the directories in domdir_list's order. 0, or -1 (error printed).
 */
int domdir_discover(char ***paths, size_t *n);
void domdir_free_paths(char **paths, size_t n);

/* A user's login name, or the uid in decimal when it has none. */
void domdir_user_label(uid_t uid, char *buf, size_t len);

/* Whether name may name a domain: [A-Za-z0-9_][A-Za-z0-9_.-]{0,62}, not "pid.*". */
bool domdir_valid_name(const char *name);

#endif
