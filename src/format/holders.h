/*
 * The holder locks of a domain file (domain_format.h, "The processes that hold a
 * domain"), shared by the writer, which takes them, and by the reader and pcpu ls --gc,
 * which test them. Every call is an F_OFD_* fcntl on fd and is async-signal-safe.
 */
#ifndef PCPU_FORMAT_HOLDERS_H
#define PCPU_FORMAT_HOLDERS_H

/* Takes the gate (fd open for writing); wait: block until it is free. 0 or an errno value
 * (EAGAIN: busy and !wait). */
int pcpu_holders_gate_lock(int fd, int wait);
void pcpu_holders_gate_unlock(int fd);

/* Read-locks slot's byte unless another open file description locks it: 0, or EAGAIN
 * when the slot is held, or another errno value. */
int pcpu_holders_slot_lock(int fd, unsigned int slot);
void pcpu_holders_slot_unlock(int fd, unsigned int slot);

/* 1 when a process other than through fd holds slot, 0 when none does, -1 with errno.
 * Works on a read-only fd. */
int pcpu_holders_slot_held(int fd, unsigned int slot);

/* The first slot below cap held through another open file description, or -1 when none
 * is (errno 0), or -1 with errno set when the test failed. */
int pcpu_holders_first_held(int fd, unsigned int cap);

#endif
