/* gzip (RFC 1952) of a response body, through zlib. */
#ifndef PCPU_TOOL_GZ_H
#define PCPU_TOOL_GZ_H

#include <stddef.h>

/* Compresses in into a new buffer *out of *outlen bytes; 0, or -1 when out of memory
 * (or len is above 4 GiB). */
int gz_compress(const char *in, size_t len, char **out, size_t *outlen);

#endif
