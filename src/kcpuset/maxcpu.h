/* How many CPU slots every set and domain of this process has. */
#ifndef PCPU_KCPUSET_MAXCPU_H
#define PCPU_KCPUSET_MAXCPU_H

/*
 * The number of possible CPUs (last id in /sys/devices/system/cpu/possible, plus one),
 * raised to $PCPU_MAXCPU when that is larger, so that tests can run 4096-CPU sets on a
 * small machine. Read once; the same for the life of the process. Never less than 1.
 */
unsigned int pcpu_maxcpu(void);

#endif
