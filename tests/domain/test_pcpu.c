/* struct pcpu, CPU_FOREACH, pcpu_register(), pcpu_snapshot() and a 4096-CPU domain. */
#include <criterion/criterion.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pcpu/counter.h>
#include <pcpu/pcpu.h>
#include <pcpu/zpcpu.h>

#include "common/testutil.h"
#include "domain/domtest.h"
#include "kcpuset/maxcpu.h"

static const char *path;

static void setup(void)
{
	path = domtest_use_private_path();
}

TestSuite(pcpu, .init = setup, .fini = domtest_cleanup);

/* Compiled with -Wall -Wextra -Werror: an int index must not warn (sign-compare). */
Test(pcpu, cpu_foreach_takes_an_int_index_as_in_freebsd)
{
	int i, n = 0;

	CPU_FOREACH(i)
	{
		n++;
	}
	cr_assert_eq(n, mp_ncpus);
}

Test(pcpu, every_slot_has_its_id_and_sysfs_topology)
{
	unsigned int n = 0, i;

	cr_assert_eq(mp_maxid, pcpu_maxcpu() - 1);
	CPU_FOREACH(i)
	{
		struct pcpu *pc = pcpu_find(i);
		cr_assert_eq(pc->pc_cpuid, i);
		cr_assert(pc->pc_present);
		cr_assert_eq(pc->pc_core_id, test_sysfs_cpu_int(i, "topology/core_id"));
		cr_assert_eq(pc->pc_package_id,
			     test_sysfs_cpu_int(i, "topology/physical_package_id"));
		n++;
	}
	cr_assert_eq((int)n, mp_ncpus);
	cr_assert_eq(mp_ncpus, (int)sysconf(_SC_NPROCESSORS_CONF));
	cr_assert_null(pcpu_find(mp_maxid + 1));
	cr_assert_eq(errno, EINVAL);
}

Test(pcpu, curcpu_is_a_cpu_this_thread_may_run_on)
{
	cpu_set_t set;

	cr_assert_eq(sched_getaffinity(0, sizeof(set), &set), 0);
	cr_assert(CPU_ISSET(curcpu, &set));
}

Test(pcpu, register_names_counters_zpcpu_and_objects)
{
	counter_u64_t c = counter_u64_alloc(M_WAITOK);
	char *z = zpcpu_alloc(24);
	size_t len;
	const struct pcpu_dom_header *h;
	const struct pcpu_dom_sym *s;

	cr_assert_eq(pcpu_register("c", c, 8), 0);
	cr_assert_eq(pcpu_register("z", z, 0), 0);
	cr_assert_eq(pcpu_register("part", z + 8, 8), 0);
	h = domtest_map(path, &len);
	s = domtest_sym(h, "c");
	cr_assert_eq(s->kind, PCPU_SYM_COUNTER);
	s = domtest_sym(h, "z");
	cr_assert_eq(s->kind, PCPU_SYM_ZPCPU);
	cr_assert_eq(s->size, 24u, "size 0 means the whole allocation");
	s = domtest_sym(h, "part");
	cr_assert_eq(s->kind, PCPU_SYM_OBJECT);
	cr_assert_eq(s->addr, (uint64_t)(uintptr_t)(z + 8));
}

Test(pcpu, register_refuses_bad_names_and_addresses)
{
	char *z = zpcpu_alloc(16);
	char longname[200];
	int local;

	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	cr_assert_eq(pcpu_register("z", z, 16), 0);
	cr_assert_eq(pcpu_register("z", z, 16), 0, "the same object again: an attacher's");
	cr_assert_eq(pcpu_register("z", z, 8), -1);
	cr_assert_eq(errno, EEXIST);
	cr_assert_eq(pcpu_register("z", z + 8, 8), -1);
	cr_assert_eq(errno, EEXIST);
	cr_assert_eq(pcpu_register(longname, z, 16), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(pcpu_register("", z, 16), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(pcpu_register("stack", &local, sizeof(local)), -1);
	cr_assert_eq(errno, EINVAL, "readers could not read it");
	cr_assert_eq(pcpu_register("toolarge", z, 32), -1);
	cr_assert_eq(errno, EINVAL);
}

Test(pcpu, freeing_an_object_drops_its_names)
{
	counter_u64_t c = counter_u64_alloc(M_WAITOK);
	size_t len;
	const struct pcpu_dom_header *h;

	cr_assert_eq(pcpu_register("gone", c, 8), 0);
	cr_assert_eq(pcpu_register("gone_cpu1", (char *)c + zpcpu_stride(), 8), 0);
	counter_u64_free(c);
	h = domtest_map(path, &len);
	cr_assert_null(domtest_sym(h, "gone"));
	cr_assert_null(domtest_sym(h, "gone_cpu1"));
	cr_assert_eq(pcpu_register("gone", counter_u64_alloc(M_WAITOK), 8), 0, "name free again");
}

Test(pcpu, snapshot_is_a_frozen_copy)
{
	counter_u64_t c = counter_u64_alloc(M_WAITOK);
	char snap[4200];
	size_t len;
	const struct pcpu_dom_header *h;
	struct stat st;

	snprintf(snap, sizeof(snap), "%s.snap", path);
	counter_u64_add(c, 5);
	pcpu_register("c", c, 8);
	cr_assert_eq(pcpu_snapshot(snap), 0);
	counter_u64_add(c, 5);
	h = domtest_map(snap, &len);
	cr_assert_not_null(h);
	cr_assert_eq(h->flags & PCPU_DOM_F_SNAPSHOT, PCPU_DOM_F_SNAPSHOT);
	cr_assert_neq(h->snapshot_ns, 0u);
	cr_assert_eq(h->ready, PCPU_DOM_READY);
	for (size_t i = 0; i < sizeof(h->writer_private); i++)
		cr_assert_eq(h->writer_private[i], 0);
	cr_assert_eq(len, h->file_size);
	cr_assert_eq(domtest_counter_sum(h, domtest_sym(h, "c")->addr), 5u);
	cr_assert_eq(stat(snap, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);
	cr_assert_eq(pcpu_snapshot(snap), -1);
	cr_assert_eq(errno, EEXIST, "never overwrites");
}

Test(pcpu, domain_of_4096_cpus_works_end_to_end)
{
	counter_u64_t c;
	size_t len;
	const struct pcpu_dom_header *h;

	setenv("PCPU_MAXCPU", "4096", 1);
	c = counter_u64_alloc(M_WAITOK);
	cr_assert_eq(mp_maxid, 4095u);
	cr_assert_eq(pcpu_find(4095)->pc_cpuid, 4095u);
	cr_assert_not(pcpu_find(4095)->pc_present);
	for (int i = 0; i < 1000; i++)
		counter_u64_add(c, 2);
	*(uint64_t *)zpcpu_get_cpu(c, 4095) += 1; /* as if CPU 4095 had counted */
	cr_assert_eq(counter_u64_fetch(c), 2001u);
	cr_assert_eq(pcpu_register("big", c, 8), 0);
	h = domtest_map(path, &len);
	cr_assert_eq(h->maxcpu, 4096u);
	cr_assert_eq(domtest_counter_sum(h, domtest_sym(h, "big")->addr), 2001u);
	counter_u64_zero(c);
	cr_assert_eq(counter_u64_fetch(c), 0u);
}
