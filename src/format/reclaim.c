/* pcpu_format_reclaim(): the one judgement of "stale" for every caller. */
#include "format/reclaim.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format/domain_format.h"
#include "format/holders.h"

int pcpu_format_replaceable(int fd)
{
	struct pcpu_dom_header h;
	static const char never[sizeof(h.magic)];

	if (pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h))
		return 1; /* shorter than a header: a creation that died before it was sized */
	if (memcmp(h.magic, PCPU_DOM_MAGIC, sizeof(h.magic)) == 0)
		return (h.flags & PCPU_DOM_F_SNAPSHOT) == 0;
	return memcmp(h.magic, never, sizeof(h.magic)) == 0;
}

static int judge(int fd, const char *path, const struct stat *st)
{
	struct stat again;
	int held = pcpu_holders_first_held(fd, PCPU_DOM_PROC_MAX);

	if (held >= 0)
		return EBUSY;
	if (errno != 0)
		return errno;
	if (!pcpu_format_replaceable(fd))
		return EEXIST;
	if (lstat(path, &again) != 0)
		return errno;
	if (again.st_dev != st->st_dev || again.st_ino != st->st_ino)
		return ENOENT; /* replaced meanwhile: what we judged is gone already */
	return unlink(path) == 0 ? 0 : errno;
}

int pcpu_format_reclaim(const char *path)
{
	struct stat st;
	int fd = open(path, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC), err;

	if (fd < 0)
		return errno;
	if (fstat(fd, &st) != 0)
		err = errno;
	else if (!S_ISREG(st.st_mode))
		err = EEXIST;
	else if (st.st_uid != geteuid() && geteuid() != 0)
		err = EPERM;
	else if ((err = pcpu_holders_gate_lock(fd, 0)) == EAGAIN)
		err = EBUSY;
	else if (err == 0) {
		err = judge(fd, path, &st);
		pcpu_holders_gate_unlock(fd);
	}
	close(fd);
	return err;
}
