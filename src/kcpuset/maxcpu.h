/* How many CPU slots every set and domain of this process has. */
#ifndef PCPU_KCPUSET_MAXCPU_H
#define PCPU_KCPUSET_MAXCPU_H

/*
 * The number of possible CPUs (last id in /sys/devices/system/cpu/possible, plus one),
 * raised to $PCPU_MAXCPU when that is larger, so that tests can run 4096-CPU sets on a
 * small machine. Read once; the same for the life of the process. Never less than 1.
 */
unsigned int pcpu_maxcpu(void);

/* Raises the count to at least n (1 .. 65536) before it is fixed by its first use. 0, or
 * EINVAL, or EBUSY when it is fixed already below n. */
int pcpu_setmaxcpu(unsigned int n);

#endif
