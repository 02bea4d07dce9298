/* pcpu_format_reclaim(): the one judgement of "stale" for every caller. */
#include "format/reclaim.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format/domain_format.h"
#include "format/holders.h"
#include "sys/open.h"

/*
 * A creator stores the writer's pid and start time before the magic (release) and
 * everything else after it, so a creator killed before the magic leaves a header that is
 * zero but for those two fields; one killed before it sized the file leaves it empty.
 * Nothing else is taken for a leftover: a foreign file stays.
 */
static int never_written(const struct pcpu_dom_header *h)
{
	const unsigned char *b = (const unsigned char *)h;
	size_t id = offsetof(struct pcpu_dom_header, writer_pid),
	       id_end = offsetof(struct pcpu_dom_header, writer_start) + sizeof(h->writer_start);

	for (size_t i = 0; i < sizeof(*h); i++)
		if (b[i] != 0 && (i < id || i >= id_end))
			return 0;
	return 1;
}

int pcpu_format_replaceable(int fd)
{
	struct pcpu_dom_header h;
	ssize_t n = pread(fd, &h, sizeof(h), 0);

	if (n == 0)
		return 1;
	if (n != (ssize_t)sizeof(h))
		return 0;
	if (memcmp(h.magic, PCPU_DOM_MAGIC, sizeof(h.magic)) == 0)
		return (h.flags & PCPU_DOM_F_SNAPSHOT) == 0;
	return never_written(&h);
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
	int fd = pcpu_open_regular(AT_FDCWD, path, O_RDWR, &st), err;

	if (fd < 0)
		return errno;
	if (st.st_uid != geteuid() && geteuid() != 0)
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
