/* No restartable sequences on this architecture or build: every add is atomic. */
#ifndef PCPU_ARCH_RSEQ_CS_H
#define PCPU_ARCH_RSEQ_CS_H

#define PCPU_ARCH_HAS_RSEQ 0
#define PCPU_RSEQ_SIG 0u

#define PCPU_CS_ADD(width, type)                                                          \
	static inline int pcpu_cs_add##width(char *rs, void *slot0, size_t stride,        \
					     unsigned int maxcpu, type v, int locked)     \
	{                                                                                 \
		(void)rs, (void)slot0, (void)stride, (void)maxcpu, (void)v, (void)locked; \
		return PCPU_CS_UNREGISTERED;                                              \
	}

#endif
