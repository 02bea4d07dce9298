/* The file that defines the early counter (see early_a.c); its own constructor adds too. */
#include <pcpu/counter.h>

#include "plugin/early.h"

COUNTER_U64_DEFINE_EARLY(early_b_hits);

__attribute__((constructor)) static void early_b_ctor(void)
{
	for (int i = 0; i < EARLY_CTOR_ADDS; i++)
		counter_u64_add(early_b_hits, 2);
}
