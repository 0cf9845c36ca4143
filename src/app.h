/*
 * app.h — the monitor: one libuv loop with a sample timer, a frame timer,
 * keyboard input and signals. It owns the sampler and the UI.
 */
#ifndef SW_APP_H
#define SW_APP_H

#include "cli.h"

/* Runs the monitor until the user quits or a signal ends it; returns the
 * process exit status. */
int app_run(const struct config *cfg);

#endif
