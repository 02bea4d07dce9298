/* DPCPU variables of a program and of a shared library it loads, as readers see them. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/testutil.h"
#include "domain/domtest.h"

static const char *path;
static const struct pcpu_dom_header *h;
static unsigned long small_cpu0; /* the address dpcpu_prog printed */

/* Runs dpcpu_prog (it checks what it sees itself) and maps the domain it leaves. */
static void setup(void)
{
	char *prog = test_built_binary("tests/domain/dpcpu_prog");
	size_t len;
	FILE *out;

	path = domtest_use_private_path();
	setenv("PCPU_KEEP", "1", 1);
	out = popen(prog, "r");
	cr_assert_not_null(out);
	cr_assert_eq(fscanf(out, "%lu", &small_cpu0), 1);
	cr_assert_eq(pclose(out), 0, "dpcpu_prog's own checks passed");
	h = domtest_map(path, &len);
	cr_assert_not_null(h);
	free(prog);
}

TestSuite(dpcpu, .init = setup, .fini = domtest_cleanup);

static const struct pcpu_dom_sym *dpcpu_sym(const char *name, uint64_t size, uint32_t flags)
{
	const struct pcpu_dom_sym *s = domtest_sym(h, name);

	cr_assert_not_null(s, "%s listed", name);
	cr_assert_eq(s->kind, PCPU_SYM_DPCPU);
	cr_assert_eq(s->size, size);
	cr_assert_eq(s->flags, flags);
	return s;
}

static int64_t sum_over_cpus(const struct pcpu_dom_sym *s, int64_t template_value)
{
	int64_t sum = 0;

	for (uint32_t c = 0; c < h->maxcpu; c++) {
		const void *p = domtest_at(h, s->addr + (uint64_t)c * h->stride);
		int64_t v = s->size == 8   ? *(const int64_t *)p
			    : s->size == 4 ? *(const int32_t *)p
			    : s->size == 2 ? *(const uint16_t *)p
					   : *(const int8_t *)p;
		sum += v - template_value;
	}
	return sum;
}

Test(dpcpu, program_variables_are_listed_with_integer_flags)
{
	const struct pcpu_dom_sym *hits =
		dpcpu_sym("prog_hits", 8, PCPU_SYMF_INTEGER | PCPU_SYMF_SIGNED);
	const struct pcpu_dom_sym *small =
		dpcpu_sym("prog_small", 1, PCPU_SYMF_INTEGER | PCPU_SYMF_SIGNED);

	cr_assert_eq(sum_over_cpus(hits, 10), 5000);
	cr_assert_eq(sum_over_cpus(small, -1), 100);
	cr_assert_eq(small->addr, small_cpu0, "the symbol is CPU 0's copy");
}

Test(dpcpu, non_integer_variables_have_no_integer_flag)
{
	const struct pcpu_dom_sym *pair = dpcpu_sym("prog_pair", 8, 0);
	const int *p = domtest_at(h, pair->addr);

	cr_assert_eq(p[0], 1);
	cr_assert_eq(p[1], 2);
}

Test(dpcpu, shared_library_variables_are_listed_and_counted)
{
	cr_assert_eq(
		sum_over_cpus(dpcpu_sym("lib_hits", 4, PCPU_SYMF_INTEGER | PCPU_SYMF_SIGNED), 3),
		3000);
	cr_assert_eq(sum_over_cpus(dpcpu_sym("lib_private", 2, PCPU_SYMF_INTEGER), 7), 1000);
}

Test(dpcpu, copies_live_in_the_dpcpu_block)
{
	const struct pcpu_dom_sym *s = domtest_sym(h, "prog_hits");

	cr_assert_geq(s->addr, h->dpcpu_addr);
	cr_assert_lt(s->addr, h->dpcpu_addr + h->dpcpu_size);
}

Test(dpcpu, early_counter_is_listed_under_its_name)
{
	const struct pcpu_dom_sym *s = domtest_sym(h, "prog_early");

	cr_assert_not_null(s);
	cr_assert_eq(s->kind, PCPU_SYM_COUNTER);
	cr_assert_eq(domtest_counter_sum(h, s->addr), 9u);
}
