/* A shared library with DPCPU variables of its own, for test_dpcpu.c. */
#include <stdint.h>

#include <pcpu/pcpu.h>

DPCPU_DEFINE(int, lib_hits) = 3;
DPCPU_DEFINE_STATIC(uint16_t, lib_private) = 7;

void lib_bump(void)
{
	DPCPU_ADD(lib_hits, 1);
	DPCPU_ADD(lib_private, 1);
}

/* The sum over CPUs of lib_private minus its template value. */
long lib_private_added(void)
{
	long sum = 0;

	for (unsigned int c = 0; c <= mp_maxid; c++)
		sum += DPCPU_ID_GET(c, lib_private) - 7;
	return sum;
}
