/*
 * counter(3) before libpcpu's constructor: an add to an early counter from code that runs
 * before it (first_prog's hook, called by a library initialised earlier) must leave the
 * thread's TCB intact. The word the sections read was 0 then, and at 0 the x86_64
 * section stored rseq_cs over the thread's DTV pointer, so that the next dlopen() of a
 * module with thread-local storage crashed.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/testutil.h"
#include "domain/domtest.h"

static void setup(void)
{
	domtest_use_private_path();
}

TestSuite(counter_before_libpcpu, .init = setup, .fini = domtest_cleanup);

Test(counter_before_libpcpu, an_add_from_an_earlier_constructor_leaves_the_tcb_to_glibc)
{
	char *prog = test_built_binary("tests/counter/first_prog");
	char *module = test_built_binary("tests/counter/libfirst_tls.so");
	char cmd[8192], line[128] = "";
	unsigned long long hot;
	int dummy = -1;
	FILE *out;

	snprintf(cmd, sizeof(cmd), "'%s' '%s'", prog, module);
	out = popen(cmd, "r");
	cr_assert_not_null(out);
	cr_assert_not_null(fgets(line, sizeof(line), out), "first_prog printed what its hook saw");
	cr_assert_eq(sscanf(line, "hot in hook %llx, dummy %d", &hot, &dummy), 2, "%s", line);
	/* The premise: the hook ran before libpcpu's constructor stored the first word. */
	cr_assert_eq(hot, 0, "the hook ran before libpcpu's constructor");
	cr_assert_eq(dummy, 1, "the early counter was still the dummy");
	cr_assert_eq(pclose(out), 0, "first_prog loaded and used a TLS module after the add");
	free(prog);
	free(module);
}
