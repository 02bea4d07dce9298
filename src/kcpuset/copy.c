/*
 * Copies between a kcpuset and a cpu_set_t of any length. The word type is the same
 * on both sides, so whole words are copied; partial words go through memcpy so that
 * the byte order of the machine never matters. No CPU is ever dropped silently.
 */
#include "kcpuset/kcpuset_impl.h"

#include <errno.h>
#include <string.h>

/* Word i of a buffer of len bytes, the bytes past len read as zero. */
static unsigned long word_prefix(const void *buf, size_t len, size_t i)
{
	size_t off = i * sizeof(unsigned long);
	unsigned long w = 0;

	if (off < len)
		memcpy(&w, (const char *)buf + off, len - off < sizeof(w) ? len - off : sizeof(w));
	return w;
}

static bool all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0)
			return false;
	return true;
}

int kcpuset_copyin(const cpuset_t *ucp, kcpuset_t *kcp, size_t len)
{
	size_t bytes = kcp->kc_nwords * sizeof(unsigned long);

	if (len > bytes && !all_zero((const unsigned char *)ucp + bytes, len - bytes))
		return EINVAL;
	for (unsigned int i = 0; i < kcp->kc_nwords; i++)
		if ((word_prefix(ucp, len, i) & ~kcpuset_valid(kcp, i)) != 0)
			return EINVAL;
	for (unsigned int i = 0; i < kcp->kc_nwords; i++)
		kcp->kc_bits[i] = word_prefix(ucp, len, i);
	return 0;
}

int kcpuset_copyout(kcpuset_t *kcp, cpuset_t *ucp, size_t len)
{
	size_t bytes = kcp->kc_nwords * sizeof(unsigned long);

	for (size_t i = len / sizeof(unsigned long); i < kcp->kc_nwords; i++)
		if (word_prefix(kcp->kc_bits, len, i) != kcp->kc_bits[i])
			return EINVAL;
	memcpy(ucp, kcp->kc_bits, len < bytes ? len : bytes);
	if (len > bytes)
		memset((char *)ucp + bytes, 0, len - bytes);
	return 0;
}

/* As NetBSD, len is in bytes and only what fits is exported; the rest is zeroed. */
void kcpuset_export_u32(const kcpuset_t *kcp, uint32_t *bitfield, size_t len)
{
	size_t n = len / sizeof(uint32_t), have = (kcp->kc_nbits + 31) / 32;

	memset(bitfield, 0, len);
	for (size_t j = 0; j < n && j < have; j++) {
		size_t bit = j * 32;

		bitfield[j] =
			(uint32_t)(kcp->kc_bits[bit / KCPUSET_WBITS] >> (bit % KCPUSET_WBITS));
	}
}
