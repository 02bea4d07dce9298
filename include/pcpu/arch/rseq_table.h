/*
 * <pcpu/arch/rseq_table.h> -- the data every architecture's critical section emits:
 * its struct rseq_cs (version 0, no flags; start 1f, length to 2f, abort 4f) in __rseq_cs,
 * and, as librseq emits them for debuggers, a pointer to it in __rseq_cs_ptr_array and
 * its one exit point other than the commit and the abort (the label slow) in
 * __rseq_exit_point_array. Both architectures are 64-bit: pointers are .quad.
 */
#ifndef PCPU_ARCH_RSEQ_TABLE_H
#define PCPU_ARCH_RSEQ_TABLE_H

#define PCPU_RSEQ_TABLE                                    \
	".pushsection __rseq_cs, \"aw\"\n\t"               \
	".balign 32\n\t"                                   \
	"3: .long 0, 0\n\t"                                \
	".quad 1f, 2f - 1f, 4f\n\t"                        \
	".popsection\n\t"                                  \
	".pushsection __rseq_cs_ptr_array, \"aw\"\n\t"     \
	".quad 3b\n\t"                                     \
	".popsection\n\t"                                  \
	".pushsection __rseq_exit_point_array, \"aw\"\n\t" \
	".quad 1f, %l[slow]\n\t"                           \
	".popsection\n\t"

#endif
