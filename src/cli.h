/*
 * cli.h — command-line options turned into one struct config. All validation
 * happens here: the rest of the program may trust a config.
 */
#ifndef SW_CLI_H
#define SW_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "run/run.h"

#define CLI_MAX_PIDS 16

enum cli_status {
    CLI_RUN = 0,        /* config filled: go on */
    CLI_EXIT_OK,        /* --help or --version printed: exit 0 */
    CLI_EXIT_USAGE,     /* error printed: exit 2 */
};

struct config {
    uint64_t interval_ns;           /* --interval: time between samples */
    uint64_t duration_ns;           /* -d: stop after this long (0 = until q) */
    pid_t    pids[CLI_MAX_PIDS];    /* --pid, repeatable */
    int      npids;
    const char *proc_root;          /* --proc-root (default PROCDIR) */
    const char *theme;              /* --theme */
    bool     ascii;                 /* --ascii: no UTF-8 block characters */
    bool     no_color;              /* --no-color or NO_COLOR set */
    bool     headless;              /* --headless: no TUI */
    const char *json_path;          /* --json FILE (headless) */
    const char *csv_path;           /* --csv FILE (headless) */
    bool     models_given;          /* --models was given */
    struct run_opts run;            /* the models: --models, -w, -n, --gil, ... */
    bool     mode_given;            /* --mode was given (else the machine's default) */
    const char *record_path;        /* --record FILE: asciicast v2 of the screen */
    int      size_w, size_h;        /* --size WxH: layout size (0: the terminal's) */
    const char *replay_path;        /* --replay FILE: play a --json file, no workload */
    const char *lesson;             /* --lesson NAME|FILE */
    double   lesson_pace;           /* --lesson-pace F: lesson times x F (default 1) */
};

/* Parses argv into cfg. Prints help, version or an error itself. */
enum cli_status cli_parse(int argc, char **argv, struct config *cfg);

#endif
