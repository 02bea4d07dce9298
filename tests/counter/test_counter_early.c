/*
 * counter(3) early counters: the dummy they start at takes adds before any domain exists,
 * binding gives each a real, named counter once, and a counter that cannot be bound once
 * the domain exists is moved off the dummy to where every CPU's add stays in bounds.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdint.h>

#include <pcpu/counter.h>
#include <pcpu/pcpu.h>
#include <pcpu/zpcpu.h>

#include "domain/domtest.h"

static void setup(void)
{
	domtest_use_private_path();
}

TestSuite(counter_early, .init = setup, .fini = domtest_cleanup);

static int in_domain(const void *p)
{
	const struct pcpu_dom_header *h;
	size_t len;
	uintptr_t lo;

	h = domtest_map(pcpu_domain_path(), &len);
	cr_assert_not_null(h);
	lo = (uintptr_t)h->writer_base;
	return (uintptr_t)p - lo < h->file_size;
}

Test(counter_early, unbound_counter_takes_adds_on_the_dummy_before_the_domain_exists)
{
	counter_u64_t c = pcpu_counter_early_dummy;
	uint64_t before = counter_u64_fetch(c);

	/* Without a domain there is no rseq mode: the add is the library's atomic one, on
	 * the dummy's adjustment word, which is inside the dummy too. */
	counter_u64_add(c, 5);
	cr_assert_eq(pcpu_counter_early_dummy[0] - pcpu_counter_early_dummy[1], before + 5);
	cr_assert_eq(counter_u64_fetch(c), before + 5);
}

Test(counter_early, binding_allocates_names_and_is_done_once)
{
	counter_u64_t c = pcpu_counter_early_dummy, first;
	struct pcpu_counter_early_desc d = {"bound_once", &c};
	const struct pcpu_dom_header *h;
	size_t len;

	pcpu_counter_bind_early(&d, &d + 1);
	cr_assert_neq(c, pcpu_counter_early_dummy);
	first = c;
	counter_u64_add(c, 7);
	pcpu_counter_bind_early(&d, &d + 1);
	cr_assert_eq(c, first);
	cr_assert_eq(counter_u64_fetch(c), 7u);
	h = domtest_map(pcpu_domain_path(), &len);
	cr_assert_not_null(domtest_sym(h, "bound_once"));
	cr_assert(in_domain(c));
}

/* Fills the arena: every size from half a stride down to one granule until none fits. */
static void fill_arena(void)
{
	for (size_t size = zpcpu_stride() / 2; size >= 8; size /= 2)
		while (zpcpu_alloc(size) != NULL)
			;
	cr_assert_null(counter_u64_alloc(M_NOWAIT));
}

static counter_u64_t unbindable;

static void *add_many(void *arg)
{
	(void)arg;
	for (int i = 0; i < 10000; i++)
		counter_u64_add(unbindable, 1);
	return NULL;
}

Test(counter_early, counter_that_cannot_be_bound_leaves_the_dummy_for_in_bounds_slots)
{
	struct pcpu_counter_early_desc d = {"unbindable", &unbindable};
	pthread_t t[2];

	unbindable = pcpu_counter_early_dummy;
	fill_arena();
	pcpu_counter_bind_early(&d, &d + 1);
	cr_assert_neq(unbindable, pcpu_counter_early_dummy);
	cr_assert_not(in_domain(unbindable));
	for (int i = 0; i < 2; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, add_many, NULL), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	/* Each CPU's add went to its own slot of the discard region, whose sum reads them. */
	cr_assert_eq(counter_u64_fetch(unbindable), 20000u);
}

Test(counter_early, counter_whose_name_is_another_kind_is_not_bound_to_it)
{
	counter_u64_t c = pcpu_counter_early_dummy;
	struct pcpu_counter_early_desc d = {"taken", &c};
	void *obj = zpcpu_alloc(64);

	cr_assert_not_null(obj);
	cr_assert_eq(pcpu_register("taken", obj, 64), 0);
	pcpu_counter_bind_early(&d, &d + 1);
	cr_assert_neq(c, pcpu_counter_early_dummy);
	cr_assert_neq((void *)c, obj);
	cr_assert_not(in_domain(c));
	counter_u64_add(c, 3);
	cr_assert_eq(*(uint64_t *)obj, 0u, "the other object is untouched");
}
