/* Writing a snapshot file from a mapped domain (doc/domain-format.md, "Consistency"). */
#ifndef PCPU_FORMAT_SNAPSHOT_H
#define PCPU_FORMAT_SNAPSHOT_H

#include <stddef.h>

/*
 * Copies the first size bytes of the domain mapped at base (its header's file_size, read
 * by the caller) into a new file at path: mode 0600, O_CREAT|O_EXCL|O_NOFOLLOW. Every
 * byte is read with aligned 8-byte loads, so each value is whole; the header gets
 * PCPU_DOM_F_SNAPSHOT, snapshot_ns and a zeroed writer_private; all-zero pages are left as
 * holes; each symbol and metadata entry is copied whole, under its sequence lock. 0, or -1
 * with errno (the partial file is removed).
 * Shared by pcpu_snapshot() and kvm_snapshot().
 */
int pcpu_format_snapshot(const void *base, size_t size, const char *path);

#endif
