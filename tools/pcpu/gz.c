/* One-shot gzip with zlib's deflate. */
#include "gz.h"

#include <limits.h>
#include <stdlib.h>
#include <zlib.h>

/* windowBits 15 + 16 asks deflate for a gzip header and trailer instead of zlib's. */
#define GZIP_WINDOW (15 + 16)

int gz_compress(const char *in, size_t len, char **out, size_t *outlen)
{
	z_stream z = {0};
	size_t cap;
	int rc;

	if (len > UINT_MAX) /* one deflate call takes at most a uInt of input */
		return -1;
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, GZIP_WINDOW, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	cap = deflateBound(&z, (uLong)len);
	*out = malloc(cap);
	if (!*out) {
		deflateEnd(&z);
		return -1;
	}
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)*out;
	z.avail_out = (uInt)cap;
	rc = deflate(&z, Z_FINISH); /* deflateBound's size takes it in one call */
	*outlen = z.total_out;
	deflateEnd(&z);
	if (rc != Z_STREAM_END) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}
