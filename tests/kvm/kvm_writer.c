/*
 * The writer for test_writer.c: a program that uses the real counter(9), DPCPU, zpcpu and
 * pcpu_register API in its own domain (PCPU_DOMAIN, PCPU_KEEP=1 set by the test).
 *
 *   kvm_writer ITERS exit|hang|grow|step [SNAPSHOT]
 *
 * Sets DPCPU kvm_cpu_tag of CPU c to 1000 + c, fills a 24-byte zpcpu allocation of CPU c
 * with {c, 3c + 1, ~c} through zpcpu_get_cpu, registers it as "kvm_zarea" and CPU 0's
 * struct pcpu as "kvm_pcpu0", prints
 * "ready <counter base> <zpcpu base>", then two threads each add 1 ITERS times to the
 * counter kvm_requests and to DPCPU kvm_adds. Then it writes SNAPSHOT with
 * pcpu_snapshot() if given, prints "done", and exits 0 or waits to be killed. "grow"
 * then waits for a line on stdin, allocates GROW_COUNTERS more counters (the arena grows
 * by chunks), adds 7 to the last one, prints "grown <its base>" and waits to be killed.
 * "step" pauses after the first round of adds: it prints "half", waits for a line on
 * stdin, adds a second round the same way, prints "done" and exits 0.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcpu/counter.h>
#include <pcpu/pcpu.h>
#include <pcpu/zpcpu.h>

COUNTER_U64_DEFINE_EARLY(kvm_requests);
DPCPU_DEFINE(long, kvm_cpu_tag);
DPCPU_DEFINE(uint64_t, kvm_adds);

#define GROW_COUNTERS 5000

static unsigned long iters;

static void *adder(void *arg)
{
	(void)arg;
	for (unsigned long i = 0; i < iters; i++) {
		counter_u64_add(kvm_requests, 1);
		DPCPU_ADD(kvm_adds, 1);
	}
	return NULL;
}

static void *setup_zarea(void)
{
	uint64_t *z = zpcpu_alloc(3 * sizeof(uint64_t));

	if (z == NULL || pcpu_register("kvm_zarea", z, 3 * sizeof(uint64_t)) != 0 ||
	    pcpu_register("kvm_pcpu0", pcpu_find(0), sizeof(struct pcpu)) != 0)
		return NULL;
	for (unsigned int c = 0; c <= mp_maxid; c++) {
		uint64_t *mine = zpcpu_get_cpu(z, c);

		mine[0] = c;
		mine[1] = 3ull * c + 1;
		mine[2] = ~(uint64_t)c;
	}
	return z;
}

static int grow(void)
{
	counter_u64_t c = NULL;
	char line[8];

	if (fgets(line, sizeof(line), stdin) == NULL)
		return -1;
	for (int i = 0; i < GROW_COUNTERS; i++)
		if ((c = counter_u64_alloc(M_WAITOK)) == NULL)
			return -1;
	counter_u64_add(c, 7);
	printf("grown %lu\n", (unsigned long)c);
	fflush(stdout);
	return 0;
}

static void add_round(void)
{
	pthread_t t[2];

	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, adder, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
}

/* "step": the reader sees an exact total while this process is alive and paused. */
static int pause_between_rounds(void)
{
	char line[8];

	printf("half\n");
	fflush(stdout);
	if (fgets(line, sizeof(line), stdin) == NULL)
		return -1;
	add_round();
	return 0;
}

int main(int argc, char **argv)
{
	void *z;

	if (argc < 3 || kvm_requests == NULL)
		return 2;
	iters = strtoul(argv[1], NULL, 10);
	for (unsigned int c = 0; c <= mp_maxid; c++)
		DPCPU_ID_SET(c, kvm_cpu_tag, 1000 + (long)c);
	if ((z = setup_zarea()) == NULL)
		return 3;
	printf("ready %lu %lu\n", (unsigned long)kvm_requests, (unsigned long)z);
	fflush(stdout);
	add_round();
	if (strcmp(argv[2], "step") == 0 && pause_between_rounds() != 0)
		return 6;
	if (argc > 3 && pcpu_snapshot(argv[3]) != 0)
		return 4;
	printf("done\n");
	fflush(stdout);
	if (strcmp(argv[2], "grow") == 0 && grow() != 0)
		return 5;
	if (strcmp(argv[2], "exit") != 0 && strcmp(argv[2], "step") != 0)
		for (;;)
			pause();
	return 0;
}
