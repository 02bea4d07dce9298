/* Which add mode this process chose (see percpu.c), for tests and tools. */
#ifndef PCPU_ARCH_MODE_H
#define PCPU_ARCH_MODE_H

/* "rseq-glibc", "rseq-own" or "atomic"; valid once the domain exists. */
const char *pcpu_percpu_mode(void);

#endif
