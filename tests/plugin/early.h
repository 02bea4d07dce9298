/* What early_a.c and early_b.c add to early_b_hits. */
#ifndef PCPU_TESTS_PLUGIN_EARLY_H
#define PCPU_TESTS_PLUGIN_EARLY_H

#include <pcpu/counter.h>

enum { EARLY_CTOR_ADDS = 1000, EARLY_MAIN_ADDS = 10 };
#define EARLY_TOTAL (3u * EARLY_CTOR_ADDS + EARLY_MAIN_ADDS)

extern counter_u64_t early_b_hits;

#endif
