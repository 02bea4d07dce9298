/* Removing a domain file that no process holds any more (writer and pcpu ls --gc). */
#ifndef PCPU_FORMAT_RECLAIM_H
#define PCPU_FORMAT_RECLAIM_H

/*
 * Unlinks the domain file at path when it is a regular file of this user (any user's for
 * root), no process holds it (domain_format.h: no slot lock is held), it is not a snapshot,
 * and it is a domain: it has the magic, or it is what a creator killed before storing the
 * magic leaves (an empty file, or a header zero but for the writer's identity). The judgement and
 * the unlink happen under the gate, and the name is checked to still be the judged file, so a
 * process attaching at the same moment either holds the file first (EBUSY here) or finds the name
 * gone and creates anew. 0 when removed, else an errno value: EBUSY held, EEXIST kept (a snapshot,
 * or not a domain), EPERM another user's, ELOOP a symbolic link, ENOENT gone already.
 */
int pcpu_format_reclaim(const char *path);

/* 1 when the file at fd is one that may be removed once no process holds it: a domain that
 * is not a snapshot, or the leftover of a creator killed before the magic; else 0. */
int pcpu_format_replaceable(int fd);

#endif
