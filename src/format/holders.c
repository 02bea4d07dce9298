/* F_OFD locks on a domain file: the gate and the per-slot holder bytes. */
#include "format/holders.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>

#include "format/domain_format.h"

static int ofd(int fd, int cmd, short type, uint64_t start, uint64_t len, struct flock *out)
{
	struct flock fl = {
		.l_type = type, .l_whence = SEEK_SET, .l_start = (off_t)start, .l_len = (off_t)len};
	int r;

	do
		r = fcntl(fd, cmd, &fl);
	while (r != 0 && errno == EINTR && cmd != F_OFD_SETLK);
	if (out != NULL)
		*out = fl;
	return r == 0 ? 0 : errno;
}

int pcpu_holders_gate_lock(int fd, int wait)
{
	int err = ofd(fd, wait ? F_OFD_SETLKW : F_OFD_SETLK, F_WRLCK, PCPU_DOM_LOCK_GATE, 1, NULL);

	return err == EACCES ? EAGAIN : err;
}

void pcpu_holders_gate_unlock(int fd)
{
	ofd(fd, F_OFD_SETLK, F_UNLCK, PCPU_DOM_LOCK_GATE, 1, NULL);
}

int pcpu_holders_slot_lock(int fd, unsigned int slot)
{
	/* A write lock, so that a second holder's read lock on the same byte is refused. */
	int err = ofd(fd, F_OFD_SETLK, F_WRLCK, PCPU_DOM_LOCK_SLOT(slot), 1, NULL);

	return err == EACCES ? EAGAIN : err;
}

void pcpu_holders_slot_unlock(int fd, unsigned int slot)
{
	ofd(fd, F_OFD_SETLK, F_UNLCK, PCPU_DOM_LOCK_SLOT(slot), 1, NULL);
}

/* F_OFD_GETLK with a write lock asks "would any lock conflict?": every lock of another
 * open file description does; locks taken through fd itself never do. */
static int first_conflict(int fd, uint64_t start, uint64_t len, uint64_t *at)
{
	struct flock fl;
	int err = ofd(fd, F_OFD_GETLK, F_WRLCK, start, len, &fl);

	if (err != 0)
		return -1;
	if (fl.l_type == F_UNLCK)
		return 0;
	*at = (uint64_t)fl.l_start;
	return 1;
}

int pcpu_holders_slot_held(int fd, unsigned int slot)
{
	uint64_t at;

	return first_conflict(fd, PCPU_DOM_LOCK_SLOT(slot), 1, &at);
}

int pcpu_holders_first_held(int fd, unsigned int cap)
{
	uint64_t at = 0;
	int r = first_conflict(fd, PCPU_DOM_LOCK_SLOT(0), cap, &at);

	if (r <= 0) {
		if (r == 0)
			errno = 0;
		return -1;
	}
	return at < PCPU_DOM_LOCK_SLOT(0) ? 0 : (int)(at - PCPU_DOM_LOCK_SLOT(0));
}
