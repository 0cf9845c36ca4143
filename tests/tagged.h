/*
 * tagged.h — find the processes a test started, wherever they went.
 *
 * A test puts a tag ("SW_TEST_RUN=<unique>") in the environment of the
 * schedwatch it starts; every process that one starts inherits it across
 * fork and exec, the latency server too though it runs in a session of its
 * own. So "nothing left behind" is exact: no live process carrying the tag
 * may outlive the monitor.
 */
#ifndef SW_TESTS_TAGGED_H
#define SW_TESTS_TAGGED_H

#include <stddef.h>
#include <sys/types.h>

/* Writes a fresh "SW_TEST_RUN=..." into tag. */
void tagged_new(char *tag, size_t len);

/* A live (not zombie) process carrying tag, named comm; 0 if none. */
pid_t tagged_find(const char *tag, const char *comm);

/* Live processes carrying tag, waiting up to wait_ms for them to go. */
int tagged_survivors(const char *tag, int wait_ms);

#endif
