/*
 * A program that uses a shared domain, for the attach and lifetime tests: each mode is
 * one way a real service touches its domain. The domain comes from the environment
 * (PCPU_DOMAIN, PCPU_SHMDIR) unless the mode names it. Exit status 0 on success.
 *
 *   count N THREADS   adds N to the early counter "requests" from each of THREADS threads
 *   attach NAME N     pcpu_domain_attach(NAME), then N adds to the named counter "requests"
 *   dpcpu N           DPCPU_ADD(dv, N); prints the total of dv over every CPU
 *   path              prints pcpu_domain_path(), then holds the domain until stdin closes
 *   churn             allocates and frees named zpcpu objects until it is killed
 */
#include <pcpu/counter.h>
#include <pcpu/pcpu.h>
#include <pcpu/zpcpu.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

COUNTER_U64_DEFINE_EARLY(requests);
DPCPU_DEFINE_STATIC(uint64_t, dv);

static long adds;

static void *add_loop(void *arg)
{
	for (long i = 0; i < adds; i++)
		counter_u64_add(requests, 1);
	return arg;
}

static int count(long n, int threads)
{
	pthread_t t[16];

	adds = n;
	if (threads < 1 || threads > 16)
		return 2;
	for (int i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, add_loop, NULL);
	for (int i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	return pcpu_domain_path() != NULL ? 0 : 1;
}

static int attach(const char *name, long n)
{
	counter_u64_t c;

	if (pcpu_domain_attach(name, NULL) != 0)
		return 1;
	c = counter_u64_alloc_named("requests", M_WAITOK);
	if (c == NULL)
		return 1;
	for (long i = 0; i < n; i++)
		counter_u64_add(c, 1);
	return 0;
}

static int dpcpu(long n)
{
	uint64_t sum = 0;
	unsigned int cpu;

	DPCPU_ADD(dv, n);
	CPU_FOREACH(cpu)
	sum += DPCPU_ID_GET(cpu, dv);
	printf("%llu\n", (unsigned long long)sum);
	return pcpu_domain_path() != NULL ? 0 : 1;
}

static int hold(void)
{
	const char *p = pcpu_domain_path();
	char c;

	printf("%s\n", p != NULL ? p : "private");
	fflush(stdout);
	while (read(0, &c, 1) > 0)
		;
	return p != NULL ? 0 : 1;
}

_Noreturn static void churn(void)
{
	char name[32];

	for (unsigned long i = 0;; i++) {
		snprintf(name, sizeof(name), "churn%lu", i % 64);
		zpcpu_free(zpcpu_alloc_named(name, 8 * (1 + i % 4)));
	}
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "count") == 0)
		return count(atol(argv[2]), atoi(argv[3]));
	if (argc == 4 && strcmp(argv[1], "attach") == 0)
		return attach(argv[2], atol(argv[3]));
	if (argc == 3 && strcmp(argv[1], "dpcpu") == 0)
		return dpcpu(atol(argv[2]));
	if (argc == 2 && strcmp(argv[1], "path") == 0)
		return hold();
	if (argc == 2 && strcmp(argv[1], "churn") == 0)
		churn();
	fprintf(stderr,
		"usage: attach_prog count N THREADS | attach NAME N | dpcpu N | path | churn\n");
	return 2;
}
