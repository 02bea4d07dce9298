/*
 * The definition of pcpu_percpu_hot, apart from <pcpu/percpu_add.h>, which declares it
 * const for callers (see there). Writable here, with default visibility: a program that
 * reads it gets a copy relocation of it, and the library's own store must reach that
 * copy, so percpu.c stores through the symbol (its GOT entry), never a private alias.
 */
#include <stdint.h>

__attribute__((visibility("default"))) uint64_t pcpu_percpu_hot;
