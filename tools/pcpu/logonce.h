/*
 * serve's log: what a scrape would say again at every scrape (a target that cannot be
 * read, a dead domain) is said once, when it starts being said. Between logonce_begin
 * and logonce_end, tool_err's lines are held; logonce_end prints, in order, those that
 * the previous round did not hold, and keeps this round's for the next. One round at a
 * time (serve's readings are serialised by shared.h).
 */
#ifndef PCPU_TOOL_LOGONCE_H
#define PCPU_TOOL_LOGONCE_H

void logonce_begin(void);
void logonce_end(void);
/* Frees what the last round held. */
void logonce_free(void);

#endif
