/*
 * Early counters in either link order: a default-priority constructor of this file adds
 * to early_b_hits, defined by COUNTER_U64_DEFINE_EARLY in early_b.c. plugin_early_ab and
 * plugin_early_ba link the two files in opposite orders. Exit 0 when the counter holds
 * exactly what both constructors and main added, else the number of the failed check.
 */
#include <fcntl.h>
#include <pcpu/counter.h>
#include <pcpu/kvm.h>
#include <pcpu/pcpu.h>
#include <stdint.h>

#include "plugin/early.h"

static int ctor_saw_dummy = -1;

__attribute__((constructor)) static void early_a_ctor(void)
{
	ctor_saw_dummy = early_b_hits == pcpu_counter_early_dummy;
	for (int i = 0; i < EARLY_CTOR_ADDS; i++)
		counter_u64_add(early_b_hits, 1);
}

int main(void)
{
	struct nlist nl[] = {{.n_name = "early_b_hits"}, {.n_name = NULL}};
	kvm_t *kd;
	uint64_t v;

	if (ctor_saw_dummy != 0)
		return 1;
	for (int i = 0; i < EARLY_MAIN_ADDS; i++)
		counter_u64_add(early_b_hits, 1);
	if (counter_u64_fetch(early_b_hits) != EARLY_TOTAL)
		return 2;
	/* A reader finds it by name, with the same total. */
	kd = kvm_openfiles(NULL, pcpu_domain_path(), NULL, O_RDONLY, NULL);
	if (kd == NULL || kvm_nlist(kd, nl) != 0)
		return 3;
	v = (uint64_t)kvm_counter_u64_fetch(kd, nl[0].n_value);
	kvm_close(kd);
	return v == EARLY_TOTAL ? 0 : 4;
}
