/*
 * The definitions of pcpu_percpu_hot and pcpu_percpu_stride_word, apart from
 * <pcpu/percpu_add.h>, which declares them const for callers (see there). Writable here,
 * with default visibility: a program that reads one gets a copy relocation of it, and
 * the library's own store must reach that copy, so percpu.c stores through the symbol
 * (its GOT entry), never a private alias.
 */
#include <stdint.h>

__attribute__((visibility("default"))) uint64_t pcpu_percpu_hot;
__attribute__((visibility("default"))) uint64_t pcpu_percpu_stride_word;
