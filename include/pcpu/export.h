/* <pcpu/export.h> -- marks the functions libpcpu exports; everything else stays hidden. */
#ifndef PCPU_EXPORT_H
#define PCPU_EXPORT_H

#define PCPU_EXPORT __attribute__((visibility("default")))

#endif
