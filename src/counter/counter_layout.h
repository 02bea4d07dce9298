/*
 * A counter's words in each CPU's copy, shared by the writer (counter.c) and the reader
 * (kvm_counter_u64_fetch); doc/domain-format.md, "Counters", is the format's statement.
 */
#ifndef PCPU_COUNTER_LAYOUT_H
#define PCPU_COUNTER_LAYOUT_H

enum {
	PCPU_COUNTER_VALUE = 0, /* uint64_t index of the value: added by the CPU's sections */
	PCPU_COUNTER_ADJ = 1,	/* of the adjustment: written by atomic instructions only */
	PCPU_COUNTER_SIZE = 16	/* bytes per CPU */
};

#endif
