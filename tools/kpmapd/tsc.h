#ifndef PCPU_KPMAPD_TSC_H
#define PCPU_KPMAPD_TSC_H

#include <stdint.h>

/* TSC frequency in Hz, or 0 when the CPU has none usable. May sleep 50 ms. */
int64_t kpmapd_tsc_freq(void);

#endif
