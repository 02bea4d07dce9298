/* runticks: ticks of CPU time of all threads, without waking an idle process. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <pcpu/upmap.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long cpu_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void *burn(void *arg)
{
	long until = *(const long *)arg;
	struct timespec t;

	do
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	while (t.tv_sec * 1000 + t.tv_nsec / 1000000 < until);
	return NULL;
}

static uint32_t runticks(const struct sys_upmap *u)
{
	return __atomic_load_n(&u->runticks, __ATOMIC_RELAXED);
}

Test(runticks, advance_about_100_per_cpu_second_of_all_threads)
{
	struct sys_upmap *u = upmap_map();
	long ms = 200;
	pthread_t t;
	long cpu;

	cr_assert_not_null(u);
	cr_assert_eq(pthread_create(&t, NULL, burn, &ms), 0);
	burn(&ms);
	pthread_join(t, NULL);
	cpu = cpu_ms();
	usleep(30000); /* let the thread's last wake land */
	/* No kpmapd in this test: the default 100 Hz. One tick of slack either way, plus
	 * the tick still being consumed. */
	cr_assert_geq(runticks(u) + 2, (uint32_t)(cpu / 10));
	cr_assert_leq(runticks(u), (uint32_t)(cpu_ms() / 10) + 1);
	cr_assert_geq(runticks(u), 35u);
}

/* The start-up work of the upmap threads (the title watcher's first round reads
 * /proc/self/stat) is CPU time too: waits, at most 3 s, until two reads 50 ms apart
 * agree, so that only the idle time is measured. */
static uint32_t settled_runticks(struct sys_upmap *u)
{
	uint32_t v = runticks(u), again;

	for (int i = 0; i < 60; i++, v = again) {
		usleep(50000);
		again = runticks(u);
		if (again == v)
			break;
	}
	return v;
}

Test(runticks, do_not_advance_while_the_process_sleeps)
{
	struct sys_upmap *u = upmap_map();
	uint32_t before = settled_runticks(u);

	usleep(300000);
	cr_assert_leq(runticks(u), before + 1);
}

/* voluntary_ctxt_switches of this process's thread of that name, -1 when there is none. */
static long thread_wakeups(const char *name)
{
	char want[64];

	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	long wakeups = -1;

	snprintf(want, sizeof(want), "Name:\t%s\n", name);
	cr_assert_not_null(d);
	while (wakeups < 0 && (e = readdir(d)) != NULL) {
		char path[512], line[256];
		int named = 0;
		FILE *f;

		snprintf(path, sizeof(path), "/proc/self/task/%s/status", e->d_name);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		while (fgets(line, sizeof(line), f) != NULL) {
			if (strcmp(line, want) == 0)
				named = 1;
			if (named && sscanf(line, "voluntary_ctxt_switches: %ld", &wakeups) == 1)
				break;
		}
		fclose(f);
	}
	closedir(d);
	return wakeups;
}

Test(runticks, the_upmap_thread_is_not_woken_while_the_process_is_idle)
{
	long before;

	cr_assert_not_null(upmap_map());
	usleep(30000);
	before = thread_wakeups("pcpu-upmap");
	cr_assert_geq(before, 0, "no pcpu-upmap thread");
	usleep(300000); /* 30 wall-clock ticks */
	cr_assert_leq(thread_wakeups("pcpu-upmap"), before + 1);
}

Test(runticks, the_title_watcher_is_not_woken_while_the_process_is_idle)
{
	long before;

	cr_assert_not_null(upmap_map());
	usleep(30000);
	before = thread_wakeups("pcpu-title");
	if (before < 0)
		cr_skip_test("no title watcher: userfaultfd is not available here");
	usleep(300000);
	cr_assert_leq(thread_wakeups("pcpu-title"), before + 1);
}
