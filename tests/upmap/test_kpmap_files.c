/* Which kpmap files clients trust, and what the fast paths read from a trusted one. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <pcpu/upmap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "upmap/kpmap_util.h"
#include "upmap/upmap_private.h"

static const struct timespec planted_up = {4242, 100000000};
static const struct timespec planted_real = {12345, 678999000};

/* A valid map at a private path, published by this process, its clocks planted. */
static struct pcpu_kpmap_writer plant(char **path, int fast_gtod)
{
	struct pcpu_kpmap_writer w;

	*path = kp_private_path();
	cr_assert_eq(pcpu_kpmap_create(&w, *path, 100, 0, fast_gtod), 0);
	pcpu_kpmap_tick(w.map, &planted_up, &planted_real);
	return w;
}

/* Maps the file read/write to damage it as an attacker or a bug would. */
static struct sys_kpmap *open_rw(const char *path)
{
	int fd = open(path, O_RDWR);
	void *p;

	cr_assert_geq(fd, 0);
	p = mmap(NULL, KPMAP_MAPSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	cr_assert_neq(p, MAP_FAILED);
	return p;
}

/* The fast paths must have fallen back: system time, not the planted 12345 s. */
static void assert_refused(int err)
{
	struct timeval tv;
	struct timespec ts;

	cr_assert_null(kpmap_map());
	cr_assert_eq(errno, err, "errno %d, expected %d", errno, err);
	cr_assert_eq(ukp_gettimeofday(&tv, NULL), 0);
	cr_assert_gt(tv.tv_sec, 1000000000);
	cr_assert_eq(ukp_clock_gettime(CLOCK_REALTIME_COARSE, &ts), 0);
	cr_assert_gt(ts.tv_sec, 1000000000);
}

Test(kpmap_files, trusted_file_feeds_the_coarse_clocks_and_gettimeofday)
{
	char *path;
	struct pcpu_kpmap_writer w = plant(&path, 1);
	const struct sys_kpmap *k = kpmap_map();
	struct timespec ts;
	struct timeval tv;

	cr_assert_not_null(k);
	cr_assert_eq(ukp_find(k, KPTYPE_TICK_FREQ), (const char *)k + 336);
	cr_assert_eq(ukp_clock_gettime(CLOCK_REALTIME_COARSE, &ts), 0);
	cr_assert(ts.tv_sec == planted_real.tv_sec && ts.tv_nsec == planted_real.tv_nsec);
	cr_assert_eq(ukp_clock_gettime(CLOCK_MONOTONIC_COARSE, &ts), 0);
	cr_assert(ts.tv_sec == planted_up.tv_sec && ts.tv_nsec == planted_up.tv_nsec);
	cr_assert_eq(ukp_gettimeofday(&tv, NULL), 0);
	cr_assert(tv.tv_sec == 12345 && tv.tv_usec == 678999);
	/* Other clocks and a timezone request are delegated to the system. */
	cr_assert_eq(ukp_clock_gettime(CLOCK_REALTIME, &ts), 0);
	cr_assert_gt(ts.tv_sec, 1000000000);
	cr_assert_eq(ukp_gettimeofday(&tv, &(struct timezone){0, 0}), 0);
	cr_assert_gt(tv.tv_sec, 1000000000);
	pcpu_kpmap_retire(&w);
	kp_cleanup(path);
}

/* clock_gettime() through the vDSO stores through a NULL timespec and crashes; ukp's
 * refuses it, with a kpmap up and without. */
Test(kpmap_files, a_null_timespec_is_efault_for_every_clock)
{
	static const clockid_t clocks[] = {CLOCK_MONOTONIC,	   CLOCK_REALTIME,
					   CLOCK_MONOTONIC_COARSE, CLOCK_REALTIME_COARSE,
					   CLOCK_BOOTTIME,	   CLOCK_PROCESS_CPUTIME_ID};
	char *path;
	struct pcpu_kpmap_writer w = plant(&path, 1);

	for (int up = 1; up >= 0; up--) {
		cr_assert_eq(kpmap_map() != NULL, up);
		for (size_t i = 0; i < sizeof(clocks) / sizeof(clocks[0]); i++) {
			errno = 0;
			cr_assert_eq(ukp_clock_gettime(clocks[i], NULL), -1, "clock %d",
				     (int)clocks[i]);
			cr_assert_eq(errno, EFAULT, "clock %d: %s", (int)clocks[i],
				     strerror(errno));
		}
		if (up)
			pcpu_kpmap_retire(&w);
	}
	kp_cleanup(path);
}

Test(kpmap_files, gettimeofday_uses_the_system_clock_when_fast_gtod_is_off)
{
	char *path;
	struct pcpu_kpmap_writer w = plant(&path, 0);
	struct timespec ts;
	struct timeval tv;

	cr_assert_not_null(kpmap_map());
	cr_assert_eq(ukp_gettimeofday(&tv, NULL), 0);
	cr_assert_gt(tv.tv_sec, 1000000000);
	cr_assert_eq(ukp_clock_gettime(CLOCK_REALTIME_COARSE, &ts), 0);
	cr_assert_eq(ts.tv_sec, planted_real.tv_sec);
	pcpu_kpmap_retire(&w);
	kp_cleanup(path);
}

Test(kpmap_files, file_of_an_untrusted_owner_is_refused)
{
	char *path;
	struct pcpu_kpmap_writer w = plant(&path, 1);

	if (getuid() == 0)
		cr_assert_eq(chown(path, 65534, 65534), 0);
	unsetenv("PCPU_KPMAP_OWNER");
	assert_refused(EPERM);
	pcpu_kpmap_retire(&w);
	kp_cleanup(path);
}

Test(kpmap_files, malformed_owner_variable_trusts_nobody_extra)
{
	char *path;
	struct pcpu_kpmap_writer w = plant(&path, 1);

	if (getuid() == 0)
		cr_assert_eq(chown(path, 65534, 65534), 0);
	setenv("PCPU_KPMAP_OWNER", "65534x", 1);
	assert_refused(EPERM);
	pcpu_kpmap_retire(&w);
	kp_cleanup(path);
}

Test(kpmap_files, group_or_world_writable_file_is_refused)
{
	char *path;
	struct pcpu_kpmap_writer w = plant(&path, 1);

	cr_assert_eq(chmod(path, 0664), 0);
	assert_refused(EPERM);
	cr_assert_eq(chmod(path, 0646), 0);
	assert_refused(EPERM);
	cr_assert_eq(chmod(path, 0644), 0);
	cr_assert_not_null(kpmap_map());
	pcpu_kpmap_retire(&w);
	kp_cleanup(path);
}

Test(kpmap_files, file_smaller_than_the_map_is_refused)
{
	char *path;
	struct pcpu_kpmap_writer w = plant(&path, 1);

	cr_assert_eq(truncate(path, 4096), 0);
	assert_refused(EINVAL);
	pcpu_kpmap_retire(&w);
	kp_cleanup(path);
}

Test(kpmap_files, bad_header_is_refused)
{
	char *path;
	struct pcpu_kpmap_writer w = plant(&path, 1);
	struct sys_kpmap *k = open_rw(path);

	k->header[0].type = 0x1234;
	assert_refused(EINVAL);
	k->header[0].type = UKPTYPE_VERSION;
	cr_assert_not_null(kpmap_map());
	munmap(k, KPMAP_MAPSIZE);
	pcpu_kpmap_retire(&w);
	kp_cleanup(path);
}

Test(kpmap_files, field_moved_away_from_the_struct_layout_is_refused)
{
	char *path;
	struct pcpu_kpmap_writer w = plant(&path, 1);
	struct sys_kpmap *k = open_rw(path);

	k->header[3].offset = 1024; /* TS_REALTIME somewhere else */
	assert_refused(EINVAL);
	munmap(k, KPMAP_MAPSIZE);
	pcpu_kpmap_retire(&w);
	kp_cleanup(path);
}

Test(kpmap_files, unknown_version_is_refused)
{
	char *path;
	struct pcpu_kpmap_writer w = plant(&path, 1);
	struct sys_kpmap *k = open_rw(path);

	k->version = 99;
	assert_refused(ENOTSUP);
	munmap(k, KPMAP_MAPSIZE);
	pcpu_kpmap_retire(&w);
	kp_cleanup(path);
}

Test(kpmap_files, symlink_at_the_path_is_not_followed)
{
	char *path;
	struct pcpu_kpmap_writer w = plant(&path, 1);
	char *link = malloc(strlen(path) + 6);

	sprintf(link, "%s.link", path);
	cr_assert_eq(symlink(path, link), 0);
	setenv("PCPU_KPMAP", link, 1);
	assert_refused(ELOOP);
	unlink(link);
	free(link);
	pcpu_kpmap_retire(&w);
	kp_cleanup(path);
}

Test(kpmap_files, fifo_at_the_path_is_refused_without_hanging, .timeout = 10)
{
	char *path = kp_private_path();
	int v;

	cr_assert_eq(mkfifo(path, 0644), 0);
	assert_refused(EINVAL);
	cr_assert_eq(kpmap_sysctl("kern.gettimeofday_quick", &v, NULL), -1);
	cr_assert_eq(errno, EINVAL);
	kp_cleanup(path);
}

Test(kpmap_files, setpath_chooses_the_file_over_the_environment_until_reset)
{
	char *path;
	struct pcpu_kpmap_writer w = plant(&path, 1);

	cr_assert_str_eq(kpmap_path(), path, "$PCPU_KPMAP, which the fixture set");
	cr_assert_not_null(kpmap_map());
	cr_assert_eq(kpmap_setpath("/nonexistent-pcpu/kpmap"), 0);
	cr_assert_str_eq(kpmap_path(), "/nonexistent-pcpu/kpmap");
	cr_assert_null(kpmap_map());
	cr_assert_eq(errno, ENOENT);
	cr_assert_eq(kpmap_setpath(NULL), 0);
	cr_assert_str_eq(kpmap_path(), path);
	cr_assert_not_null(kpmap_map());
	pcpu_kpmap_retire(&w);
	kp_cleanup(path);
}

Test(kpmap_files, missing_file_falls_back)
{
	char *path = kp_private_path();

	assert_refused(ENOENT);
	kp_cleanup(path);
}

Test(kpmap_files, retired_map_is_dropped_by_running_clients)
{
	char *path;
	struct pcpu_kpmap_writer w = plant(&path, 1);
	struct timeval tv;

	cr_assert_not_null(kpmap_map());
	cr_assert_eq(ukp_gettimeofday(&tv, NULL), 0);
	cr_assert_eq(tv.tv_sec, 12345);
	pcpu_kpmap_retire(&w);
	assert_refused(ENOENT);
	kp_cleanup(path);
}

Test(kpmap_sysctl, reads_and_sets_fast_gtod_seen_at_once_by_clients)
{
	char *path;
	struct pcpu_kpmap_writer w = plant(&path, 0);
	int old = -1, on = 1, off = 0;
	struct timeval tv;

	cr_assert_eq(kpmap_sysctl("kern.gettimeofday_quick", &old, NULL), 0);
	cr_assert_eq(old, 0);
	cr_assert_eq(ukp_gettimeofday(&tv, NULL), 0);
	cr_assert_gt(tv.tv_sec, 1000000000);
	cr_assert_eq(kpmap_sysctl("kern.gettimeofday_quick", &old, &on), 0);
	cr_assert_eq(old, 0);
	cr_assert_eq(ukp_gettimeofday(&tv, NULL), 0);
	cr_assert_eq(tv.tv_sec, 12345);
	cr_assert_eq(kpmap_sysctl("kern.gettimeofday_quick", &old, &off), 0);
	cr_assert_eq(old, 1);
	cr_assert_eq(ukp_gettimeofday(&tv, NULL), 0);
	cr_assert_gt(tv.tv_sec, 1000000000);
	pcpu_kpmap_retire(&w);
	kp_cleanup(path);
}

Test(kpmap_sysctl, unknown_name_is_enoent_and_bad_value_einval)
{
	char *path;
	struct pcpu_kpmap_writer w = plant(&path, 0);
	int two = 2, v;

	cr_assert_eq(kpmap_sysctl("kern.hz", &v, NULL), -1);
	cr_assert_eq(errno, ENOENT);
	cr_assert_eq(kpmap_sysctl("kern.gettimeofday_quick", NULL, &two), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(kpmap_sysctl("kern.gettimeofday_quick", &v, NULL), 0);
	cr_assert_eq(v, 0);
	pcpu_kpmap_retire(&w);
	kp_cleanup(path);
}

Test(kpmap_sysctl, refused_file_is_not_written)
{
	char *path;
	struct pcpu_kpmap_writer w = plant(&path, 0);
	int on = 1;

	cr_assert_eq(chmod(path, 0666), 0);
	cr_assert_eq(kpmap_sysctl("kern.gettimeofday_quick", NULL, &on), -1);
	cr_assert_eq(errno, EPERM);
	cr_assert_eq(w.map->fast_gtod, 0);
	pcpu_kpmap_retire(&w);
	kp_cleanup(path);
}
