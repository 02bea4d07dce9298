/* kpmapd(8) as clients see it: time, fast_gtod at run time, restart, death, daemon mode. */
#include <criterion/criterion.h>
#include <errno.h>
#include <pcpu/upmap.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/testutil.h"
#include "upmap/kpmap_util.h"

enum { TICK_NS = 10000000 }; /* --hz 100 */

static int64_t ns_of(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

/* Samples ukp's coarse clock against the system's precise one: never ahead, never more
 * than 10 ticks behind, and (kpmapd shares 2 busy CPUs with the tests) within one tick
 * of it in at least 4 samples of 5. */
static void assert_within_a_tick(clockid_t coarse, clockid_t precise)
{
	int close_enough = 0;

	for (int i = 0; i < 100; i++) {
		struct timespec kp, sys;
		const struct timespec pause = {0, 1000000};

		cr_assert_eq(ukp_clock_gettime(coarse, &kp), 0);
		clock_gettime(precise, &sys);
		cr_assert_leq(ns_of(&kp), ns_of(&sys));
		cr_assert_lt(ns_of(&sys) - ns_of(&kp), 10 * TICK_NS);
		close_enough += ns_of(&sys) - ns_of(&kp) <= TICK_NS;
		nanosleep(&pause, NULL);
	}
	cr_assert_geq(close_enough, 80);
}

Test(kpmapd, publishes_time_within_one_tick_of_clock_gettime)
{
	char *path = kp_private_path();
	pid_t pid = kp_start_kpmapd(path, 100);
	const struct sys_kpmap *k = kpmap_map();
	struct stat st;
	int32_t t0;

	cr_assert_not_null(k);
	cr_assert_eq(k->version, KPMAP_VERSION);
	cr_assert_eq(*(int32_t *)ukp_find(k, KPTYPE_TICK_FREQ), 100);
	cr_assert_geq(k->tsc_freq, 0);
	cr_assert_eq(k->fast_gtod, 0);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0644);
	cr_assert_eq(st.st_uid, getuid());
	assert_within_a_tick(CLOCK_REALTIME_COARSE, CLOCK_REALTIME);
	assert_within_a_tick(CLOCK_MONOTONIC_COARSE, CLOCK_MONOTONIC);
	t0 = __atomic_load_n(&k->upticks, __ATOMIC_ACQUIRE);
	usleep(200000);
	cr_assert_geq(__atomic_load_n(&k->upticks, __ATOMIC_ACQUIRE) - t0, 10);
	cr_assert_eq(kp_stop(pid, SIGTERM), 0);
	cr_assert_eq(access(path, F_OK), -1, "clean shutdown removes the file");
	kp_cleanup(path);
}

/* True when ukp_gettimeofday() returned kpmap's tick time rather than the system's. */
static int gtod_from_kpmap(const struct sys_kpmap *k)
{
	struct timeval tv;

	for (int tries = 0; tries < 10; tries++) {
		int32_t before = __atomic_load_n(&k->upticks, __ATOMIC_ACQUIRE);
		const struct timespec *slot = &k->ts_realtime[before & 1];
		int64_t tick_us = slot->tv_sec * 1000000 + slot->tv_nsec / 1000;

		ukp_gettimeofday(&tv, NULL);
		if (__atomic_load_n(&k->upticks, __ATOMIC_ACQUIRE) == before)
			return tv.tv_sec * 1000000 + tv.tv_usec == tick_us;
	}
	cr_assert_fail("upticks never held still");
	return 0;
}

Test(kpmapd, fast_gtod_toggled_at_run_time_is_followed_at_once)
{
	char *path = kp_private_path();
	pid_t pid = kp_start_kpmapd(path, 100);
	const struct sys_kpmap *k = kpmap_map();
	const char *on[] = {"--path", path, "--set-fast-gtod", "1", NULL};
	const char *off[] = {"--path", path, "--set-fast-gtod", "0", NULL};
	int one = 1, zero = 0, v = -1;
	int from_kpmap = 0;

	for (int i = 0; i < 50; i++)
		from_kpmap += gtod_from_kpmap(k);
	cr_assert_leq(from_kpmap, 5, "fast_gtod 0: the system clock");
	cr_assert_eq(kp_run_kpmapd(on), 0);
	for (int i = 0; i < 50; i++)
		cr_assert(gtod_from_kpmap(k));
	cr_assert_eq(kp_run_kpmapd(off), 0);
	cr_assert_not(gtod_from_kpmap(k) && gtod_from_kpmap(k) && gtod_from_kpmap(k));
	cr_assert_eq(kpmap_sysctl("kern.gettimeofday_quick", NULL, &one), 0);
	cr_assert(gtod_from_kpmap(k));
	cr_assert_eq(kpmap_sysctl("kern.gettimeofday_quick", &v, &zero), 0);
	cr_assert_eq(v, 1);
	cr_assert_eq(kp_stop(pid, SIGTERM), 0);
	kp_cleanup(path);
}

Test(kpmapd, restart_hands_over_and_clients_switch_to_the_new_map)
{
	char *path = kp_private_path();
	pid_t first = kp_start_kpmapd(path, 100);
	const struct sys_kpmap *k1 = kpmap_map(), *k2;
	pid_t second = kp_start_kpmapd(path, 100);
	struct timespec ts;

	/* The new daemon renamed its file over the path; the old one notices within about
	 * a second, retires its map and exits by itself. */
	k2 = kpmap_map();
	cr_assert_neq(k1, k2);
	cr_assert_eq(test_wait_exit(first), 0, "the replaced daemon stops by itself");
	cr_assert_eq(kp_alive(k1), 0u);
	cr_assert_eq(access(path, F_OK), 0, "the old daemon leaves the new file alone");
	cr_assert_eq(ukp_clock_gettime(CLOCK_MONOTONIC_COARSE, &ts), 0);
	cr_assert_eq(kpmap_map(), k2);
	assert_within_a_tick(CLOCK_MONOTONIC_COARSE, CLOCK_MONOTONIC);
	cr_assert_eq(kp_stop(second, SIGTERM), 0);
	kp_cleanup(path);
}

Test(kpmapd, killed_daemon_is_noticed_by_clients_without_a_system_call)
{
	char *path = kp_private_path();
	pid_t pid = kp_start_kpmapd(path, 100);
	const struct sys_kpmap *k = kpmap_map();
	struct timespec kp, sys;

	cr_assert_eq(kp_stop(pid, SIGKILL), 128 + SIGKILL);
	/* The kernel marked the robust futex word: FUTEX_OWNER_DIED. */
	cr_assert_eq(kp_alive(k) & 0x40000000u, 0x40000000u);
	usleep(50000);
	cr_assert_eq(ukp_clock_gettime(CLOCK_MONOTONIC_COARSE, &kp), 0);
	clock_gettime(CLOCK_MONOTONIC, &sys);
	cr_assert_lt(ns_of(&sys) - ns_of(&kp), 2 * TICK_NS, "fell back to the system clock");
	cr_assert_null(kpmap_map());
	cr_assert_eq(errno, ESTALE);
	kp_cleanup(path);
}

Test(kpmapd, killed_daemon_map_stays_readable_post_mortem_with_its_last_values)
{
	char *path = kp_private_path();
	pid_t pid = kp_start_kpmapd(path, 100);
	const struct sys_kpmap *k = kpmap_map();
	const void *last;
	struct timespec up, again;
	int32_t upticks;

	cr_assert_not_null(k);
	cr_assert_eq(ukp_kpmap_last(), k, "a live map is the one kpmap_map() gives");
	cr_assert_eq(kp_stop(pid, SIGKILL), 128 + SIGKILL);
	cr_assert_null(kpmap_map());
	cr_assert_eq(errno, ESTALE);
	last = ukp_kpmap_last();
	cr_assert_eq(last, k);
	upticks = *(const int32_t *)ukp_find(last, KPTYPE_UPTICKS);
	cr_assert_eq(ukp_kpmap_timestamp(last, KPTYPE_TS_UPTIME, &up), 0);
	cr_assert_eq(up.tv_sec, k->ts_uptime[upticks & 1].tv_sec);
	cr_assert_eq(up.tv_nsec, k->ts_uptime[upticks & 1].tv_nsec);
	usleep(30000);
	cr_assert_eq(ukp_kpmap_timestamp(last, KPTYPE_TS_UPTIME, &again), 0);
	cr_assert_eq(ns_of(&again), ns_of(&up), "a dead map does not advance");
	kp_cleanup(path);
	cr_assert_null(ukp_kpmap_last());
	cr_assert_eq(errno, ENOENT);
}

Test(kpmapd, kpmap_timestamp_takes_only_double_buffered_timestamps)
{
	char *path = kp_private_path();
	pid_t pid = kp_start_kpmapd(path, 100);
	const void *k = kpmap_map();
	struct timespec ts;

	cr_assert_not_null(k);
	cr_assert_eq(ukp_kpmap_timestamp(k, KPTYPE_UPTICKS, &ts), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(ukp_kpmap_timestamp(k, KPTYPE_TS_REALTIME, NULL), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(ukp_kpmap_timestamp(NULL, KPTYPE_TS_REALTIME, &ts), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(ukp_kpmap_timestamp(k, KPTYPE_TS_REALTIME, &ts), 0);
	cr_assert_lt(llabs((long long)ts.tv_sec - (long long)time(NULL)), 2);
	cr_assert_eq(kp_stop(pid, SIGTERM), 0);
	kp_cleanup(path);
}

Test(kpmapd, daemon_mode_detaches_and_stops_cleanly_on_sigterm)
{
	char *path = kp_private_path();
	const char *args[] = {"--path", path, NULL};
	const struct sys_kpmap *k;
	pid_t daemon_pid;

	cr_assert_eq(kp_run_kpmapd(args), 0);
	k = kpmap_map();
	cr_assert_not_null(k);
	/* The alive word holds the publishing thread's id: the daemon's pid. */
	daemon_pid = (pid_t)kp_alive(k);
	cr_assert_gt(daemon_pid, 0);
	cr_assert_eq(kill(daemon_pid, SIGTERM), 0);
	for (int i = 0; i < 500 && access(path, F_OK) == 0; i++)
		usleep(10000);
	cr_assert_eq(access(path, F_OK), -1);
	cr_assert_eq(kp_alive(k), 0u);
	kp_cleanup(path);
}

Test(kpmapd, bad_arguments_exit_2_and_unusable_path_exits_1)
{
	const char *zero_hz[] = {"--hz", "0", "--foreground", NULL};
	const char *junk_hz[] = {"--hz", "10x", "--foreground", NULL};
	const char *extra[] = {"--foreground", "extra", NULL};
	const char *bad_gtod[] = {"--set-fast-gtod", "2", NULL};
	const char *no_dir[] = {"--path", "/nonexistent-dir/kpmap", "--foreground", NULL};

	cr_assert_eq(kp_run_kpmapd(zero_hz), 2);
	cr_assert_eq(kp_run_kpmapd(junk_hz), 2);
	cr_assert_eq(kp_run_kpmapd(extra), 2);
	cr_assert_eq(kp_run_kpmapd(bad_gtod), 2);
	cr_assert_eq(kp_run_kpmapd(no_dir), 1);
}

Test(kpmapd, relative_path_still_names_the_same_file_after_detaching)
{
	char *path = kp_private_path();
	char *dir = strdup(path);
	const char *args[] = {"--path", "kpmap", NULL};
	const struct sys_kpmap *k;

	*strrchr(dir, '/') = '\0';
	cr_assert_eq(chdir(dir), 0);
	cr_assert_eq(kp_run_kpmapd(args), 0);
	k = kpmap_map();
	cr_assert_not_null(k);
	cr_assert_eq(kill((pid_t)kp_alive(k), SIGTERM), 0);
	for (int i = 0; i < 500 && access(path, F_OK) == 0; i++)
		usleep(10000);
	cr_assert_eq(access(path, F_OK), -1, "removed, although the daemon works in /");
	free(dir);
	kp_cleanup(path);
}
