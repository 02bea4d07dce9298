/* kvm(3): opening, flags, errors, closing. Nothing is ever printed. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pcpu/kvm.h>

#include "common/testutil.h"
#include "kvm/domfix.h"

static char *valid_domain(struct domfix *f)
{
	char *path;

	cr_assert_eq(domfix_init(f, 2, 2), 0);
	path = domfix_save(f);
	cr_assert_not_null(path);
	return path;
}

Test(open, missing_file_fails_enoent_with_message_in_errbuf)
{
	char errbuf[_POSIX2_LINE_MAX] = "";

	errno = 0;
	cr_expect_null(kvm_openfiles(NULL, "/nonexistent/pcpu.1", NULL, O_RDONLY, errbuf));
	cr_expect_eq(errno, ENOENT);
	cr_expect_not_null(strstr(errbuf, "/nonexistent/pcpu.1"), "%s", errbuf);
}

Test(open, kvm_open_failure_message_is_kept_for_geterr_null)
{
	cr_expect_null(kvm_open(NULL, "/nonexistent/pcpu.2", NULL, O_RDONLY, "prog"));
	cr_expect_eq(errno, ENOENT);
	cr_expect_not_null(strstr(kvm_geterr(NULL), "/nonexistent/pcpu.2"));
}

Test(open, flags_other_than_rdonly_fail_einval)
{
	struct domfix f;
	char errbuf[_POSIX2_LINE_MAX] = "";
	char *path = valid_domain(&f);

	cr_expect_null(kvm_openfiles(NULL, path, NULL, O_RDWR, errbuf));
	cr_expect_eq(errno, EINVAL);
	cr_expect_not_null(strstr(errbuf, "O_RDONLY"));
	cr_expect_null(kvm_openfiles(NULL, NULL, NULL, O_RDONLY | O_CREAT, errbuf));
	cr_expect_eq(errno, EINVAL);
	domfix_remove(path, NULL);
	domfix_free(&f);
}

Test(open, symlink_is_not_followed)
{
	struct domfix f;
	char errbuf[_POSIX2_LINE_MAX] = "";
	char *path = valid_domain(&f), *link = strdup(path);

	strcpy(link + strlen(link) - strlen("domain"), "link");
	cr_assert_eq(symlink(path, link), 0);
	cr_expect_null(kvm_openfiles(NULL, link, NULL, O_RDONLY, errbuf));
	cr_expect_eq(errno, ELOOP);
	cr_expect_not_null(strstr(errbuf, "symbolic link"));
	free(link);
	domfix_remove(path, "link");
	domfix_free(&f);
}

Test(open, fifo_is_refused_without_hanging, .timeout = 10)
{
	const char *dir = test_tmpdir();
	char *fifo = test_path(dir, "fifo");
	char errbuf[_POSIX2_LINE_MAX] = "";

	cr_assert_eq(mkfifo(fifo, 0600), 0);
	cr_expect_null(kvm_openfiles(NULL, fifo, NULL, O_RDONLY, errbuf));
	cr_expect_eq(errno, EINVAL);
	cr_expect_not_null(strstr(errbuf, "not a regular file"));
	unlink(fifo);
	rmdir(dir);
	free(fifo);
}

Test(open, directory_is_refused)
{
	const char *dir = test_tmpdir();

	cr_expect_null(kvm_openfiles(NULL, dir, NULL, O_RDONLY, NULL));
	cr_expect_eq(errno, EINVAL);
	rmdir(dir);
}

Test(open, a_file_of_root_is_trusted_and_then_checked_as_a_domain)
{
	char errbuf[_POSIX2_LINE_MAX] = "";

	/* /etc/passwd is root's: any reader trusts it, and finds no domain in it. */
	cr_expect_null(kvm_openfiles(NULL, "/etc/passwd", NULL, O_RDONLY, errbuf));
	cr_expect_eq(errno, EINVAL);
	cr_expect_not_null(strstr(errbuf, "truncated domain"), "%s", errbuf);
}

Test(open, close_of_null_fails_einval)
{
	cr_expect_eq(kvm_close(NULL), -1);
	cr_expect_eq(errno, EINVAL);
}

Test(open, execfile_and_swapfile_are_ignored)
{
	struct domfix f;
	char *path = valid_domain(&f);
	kvm_t *kd = kvm_openfiles("/nonexistent/kernel", path, "/nonexistent/swap", O_RDONLY, NULL);

	cr_assert_not_null(kd);
	cr_expect_eq(kvm_close(kd), 0);
	domfix_remove(path, NULL);
	domfix_free(&f);
}
