/*
 * The reader's trust rule (kvm(3), "Trust"): another user's domain is read only when
 * nobody else can write it or its directory. The files are made by root for uids that
 * need no account; the reader runs in a child as another uid with chosen groups.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pcpu/kvm.h>

#include "common/testutil.h"
#include "kvm/domfix.h"

#define OWNER 64101u   /* the service's user */
#define MONITOR 64102u /* a monitoring user in GROUP */
#define OTHER 64103u   /* a user who plants files */
#define GROUP 64100u

struct tree {
	char *base; /* 0711, root's */
	char *dir;  /* base/pcpu-64101: OWNER's domain directory */
	char *file; /* dir/web */
};

static void need_root(void)
{
	if (geteuid() != 0)
		cr_skip_test("needs root to make files of other users");
}

static void make_file(const char *path, uid_t uid, mode_t mode)
{
	struct domfix f;

	cr_assert_eq(domfix_init(&f, 1, 1), 0);
	cr_assert_eq(domfix_write(&f, path), 0, "%s", path);
	cr_assert_eq(chown(path, uid, GROUP), 0);
	cr_assert_eq(chmod(path, mode), 0);
	domfix_free(&f);
}

/* OWNER's directory (dir_mode, owned by dir_uid) holding a domain of file_uid. */
static void make_tree(struct tree *t, uid_t dir_uid, mode_t dir_mode, uid_t file_uid,
		      mode_t file_mode)
{
	t->base = strdup(test_tmpdir());
	cr_assert_eq(chmod(t->base, 0711), 0);
	t->dir = test_path(t->base, "pcpu-64101");
	t->file = test_path(t->dir, "web");
	cr_assert_eq(mkdir(t->dir, 0700), 0);
	make_file(t->file, file_uid, file_mode);
	cr_assert_eq(chown(t->dir, dir_uid, GROUP), 0);
	cr_assert_eq(chmod(t->dir, dir_mode), 0);
}

static void free_tree(struct tree *t)
{
	unlink(t->file);
	rmdir(t->dir);
	rmdir(t->base);
	free(t->file);
	free(t->dir);
	free(t->base);
}

/*
 * Opens path with kvm_openfiles as uid, member of group when group is non-zero: 0 when it
 * opened, else its errno, with the message in msg.
 */
static int open_as(uid_t uid, gid_t group, const char *path, char *msg, size_t len)
{
	int p[2], status;
	ssize_t n;
	pid_t pid;

	cr_assert_eq(pipe(p), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		char errbuf[_POSIX2_LINE_MAX] = "";
		kvm_t *kd;

		close(p[0]);
		if (setgroups(group ? 1 : 0, &group) != 0 || setgid(uid) != 0 || setuid(uid) != 0)
			_exit(255);
		kd = kvm_openfiles(NULL, path, NULL, O_RDONLY, errbuf);
		if (write(p[1], errbuf, strlen(errbuf)) < 0)
			_exit(254);
		_exit(kd != NULL ? 0 : errno);
	}
	close(p[1]);
	n = read(p[0], msg, len - 1);
	msg[n > 0 ? n : 0] = '\0';
	close(p[0]);
	status = test_wait_exit(pid);
	cr_assert_lt(status, 254, "the reader child could not become uid %u", (unsigned int)uid);
	return status;
}

Test(trust, a_group_readable_domain_is_read_by_a_group_member)
{
	struct tree t;
	char msg[_POSIX2_LINE_MAX];

	need_root();
	make_tree(&t, OWNER, 0750, OWNER, 0640);
	cr_expect_eq(open_as(MONITOR, GROUP, t.file, msg, sizeof(msg)), 0, "%s", msg);
	cr_expect_eq(open_as(MONITOR, 0, t.file, msg, sizeof(msg)), EACCES,
		     "not in the group: the kernel refuses");
	cr_expect_not_null(strstr(msg, "Permission denied"), "%s", msg);
	free_tree(&t);
}

Test(trust, a_domain_in_roots_directory_is_read)
{
	struct tree t;
	char msg[_POSIX2_LINE_MAX];

	need_root();
	make_tree(&t, 0, 0755, OWNER, 0644);
	cr_expect_eq(open_as(MONITOR, 0, t.file, msg, sizeof(msg)), 0, "%s", msg);
	free_tree(&t);
}

/* Reads the tree as reader (in GROUP) and expects EACCES with both parts of the message. */
static void expect_refused(uid_t dir_uid, mode_t dir_mode, uid_t file_uid, mode_t file_mode,
			   uid_t reader, const char *whose, const char *why)
{
	struct tree t;
	char msg[_POSIX2_LINE_MAX];

	need_root();
	make_tree(&t, dir_uid, dir_mode, file_uid, file_mode);
	cr_expect_eq(open_as(reader, GROUP, t.file, msg, sizeof(msg)), EACCES, "%s", msg);
	cr_expect_not_null(strstr(msg, whose), "%s", msg);
	cr_expect_not_null(strstr(msg, why), "%s", msg);
	free_tree(&t);
}

Test(trust, a_group_writable_domain_of_another_user_is_refused)
{
	expect_refused(OWNER, 0750, OWNER, 0660, MONITOR,
		       "owned by uid 64101, not by you (uid 64102) or root",
		       "it is writable by group or others");
}

Test(trust, a_domain_in_a_group_writable_directory_is_refused)
{
	expect_refused(OWNER, 0770, OWNER, 0640, MONITOR, "its directory",
		       "is writable by group or others");
}

Test(trust, a_file_planted_by_another_user_in_a_directory_it_does_not_own_is_refused)
{
	expect_refused(OWNER, 0755, OTHER, 0644, MONITOR, "owned by uid 64103",
		       "is owned by uid 64101, not by the file's owner or root");
}

Test(trust, nor_does_the_directorys_owner_take_a_planted_file_for_its_own)
{
	expect_refused(OWNER, 0755, OTHER, 0644, OWNER,
		       "owned by uid 64103, not by you (uid 64101)",
		       "is owned by uid 64101, not by the file's owner or root");
}

Test(trust, a_domain_reached_through_a_symlinked_directory_is_refused)
{
	struct tree t;
	char msg[_POSIX2_LINE_MAX];
	char *link, *via;

	need_root();
	make_tree(&t, OWNER, 0755, OWNER, 0644);
	link = test_path(t.base, "link");
	via = test_path(link, "web");
	cr_assert_eq(symlink(t.dir, link), 0);
	cr_expect_eq(open_as(MONITOR, 0, via, msg, sizeof(msg)), EACCES);
	cr_expect_not_null(strstr(msg, "is a symbolic link"), "%s", msg);
	cr_expect_eq(open_as(OWNER, 0, via, msg, sizeof(msg)), 0,
		     "the owner reads its own file by any path: %s", msg);
	unlink(link);
	free(via);
	free(link);
	free_tree(&t);
}

Test(trust, the_owner_and_root_read_a_domain_whatever_its_directory)
{
	struct tree t;
	char msg[_POSIX2_LINE_MAX];

	need_root();
	make_tree(&t, OTHER, 0777, OWNER, 0600);
	cr_expect_eq(open_as(OWNER, 0, t.file, msg, sizeof(msg)), 0, "%s", msg);
	cr_expect_eq(open_as(0, 0, t.file, msg, sizeof(msg)), 0, "%s", msg);
	free_tree(&t);
}

Test(trust, a_symlink_fifo_or_directory_planted_at_a_domain_path_is_refused, .timeout = 10)
{
	struct tree t;
	char msg[_POSIX2_LINE_MAX];

	need_root();
	make_tree(&t, OWNER, 0755, OWNER, 0644);
	cr_assert_eq(unlink(t.file), 0);
	cr_assert_eq(symlink("/etc/passwd", t.file), 0);
	cr_expect_eq(open_as(MONITOR, 0, t.file, msg, sizeof(msg)), ELOOP);
	cr_expect_not_null(strstr(msg, "a symbolic link is not followed"), "%s", msg);
	cr_assert_eq(unlink(t.file), 0);
	cr_assert_eq(mkfifo(t.file, 0644), 0);
	cr_expect_eq(open_as(MONITOR, 0, t.file, msg, sizeof(msg)), EINVAL);
	cr_expect_not_null(strstr(msg, "not a regular file"), "%s", msg);
	cr_assert_eq(unlink(t.file), 0);
	cr_assert_eq(mkdir(t.file, 0755), 0);
	cr_expect_eq(open_as(MONITOR, 0, t.file, msg, sizeof(msg)), EINVAL);
	cr_expect_not_null(strstr(msg, "not a regular file"), "%s", msg);
	rmdir(t.file);
	free_tree(&t);
}
