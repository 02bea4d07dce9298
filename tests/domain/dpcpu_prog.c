/*
 * A program with DPCPU variables and an early counter, linked with dpcpu_lib: run by
 * test_dpcpu.c with a private PCPU_DOMAIN and PCPU_KEEP=1, which then reads the file.
 * Exits 0 when every check of the values seen from inside holds.
 */
#include <stdint.h>
#include <stdio.h>

#include <pcpu/counter.h>
#include <pcpu/pcpu.h>

struct pair {
	int a, b;
};

DPCPU_DEFINE(long, prog_hits) = 10;
DPCPU_DEFINE_STATIC(int8_t, prog_small) = -1;
DPCPU_DEFINE(struct pair, prog_pair);
DPCPU_DECLARE(int, lib_hits); /* defined in the shared library */
COUNTER_U64_DEFINE_EARLY(prog_early);

void lib_bump(void);
long lib_private_added(void);

static int failures;

#define CHECK(cond)                                                   \
	do {                                                          \
		if (!(cond)) {                                        \
			fprintf(stderr, "check failed: %s\n", #cond); \
			failures++;                                   \
		}                                                     \
	} while (0)

static long sum_added(long (*get)(unsigned int), long template_value)
{
	long sum = 0;

	for (unsigned int c = 0; c <= mp_maxid; c++)
		sum += get(c) - template_value;
	return sum;
}

static long get_prog_hits(unsigned int c)
{
	return DPCPU_ID_GET(c, prog_hits);
}

static long get_lib_hits(unsigned int c)
{
	return DPCPU_ID_GET(c, lib_hits);
}

int main(void)
{
	CHECK(prog_early != NULL);
	for (unsigned int c = 0; c <= mp_maxid; c++) {
		CHECK(DPCPU_ID_GET(c, prog_hits) == 10);
		CHECK(DPCPU_ID_GET(c, lib_hits) == 3);
		CHECK(DPCPU_ID_PTR(c, prog_hits) != &DPCPU_NAME(prog_hits));
	}
	for (int i = 0; i < 1000; i++) {
		DPCPU_ADD(prog_hits, 5);
		if (i < 100) /* stays inside int8_t */
			DPCPU_ADD(prog_small, 1);
		DPCPU_ADD(lib_hits, 2);
		lib_bump();
	}
	CHECK(sum_added(get_prog_hits, 10) == 5000);
	CHECK(sum_added(get_lib_hits, 3) == 3000);
	CHECK(lib_private_added() == 1000);
	DPCPU_ID_SET(0, prog_pair, ((struct pair){1, 2}));
	CHECK(DPCPU_ID_GET(0, prog_pair).b == 2);
	DPCPU_SET(prog_hits, DPCPU_GET(prog_hits));
	counter_u64_add(prog_early, 9);
	CHECK(counter_u64_fetch(prog_early) == 9);
	printf("%lu\n", (unsigned long)(uintptr_t)DPCPU_ID_PTR(0, prog_small));
	return failures != 0;
}
