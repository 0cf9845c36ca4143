/*
 * cli.c — options to struct config. Every check of user input happens here,
 * so a config that reaches app_run() is valid; errors name the option, the
 * value and what to do, and exit with status 2.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "util.h"

#define CLI_INTERVAL_MIN_NS  10000000ull       /* 10 ms: below it /proc reads dominate */
#define CLI_INTERVAL_MAX_NS  10000000000ull    /* 10 s */

enum {
    OPT_THEME = 0x100,
    OPT_ASCII,
    OPT_NO_COLOR,
    OPT_PROC_ROOT,
};

static const struct option cli__long[] = {
    { "pid",       required_argument, NULL, 'p' },
    { "interval",  required_argument, NULL, 'i' },
    { "duration",  required_argument, NULL, 'd' },
    { "theme",     required_argument, NULL, OPT_THEME },
    { "ascii",     no_argument,       NULL, OPT_ASCII },
    { "no-color",  no_argument,       NULL, OPT_NO_COLOR },
    { "proc-root", required_argument, NULL, OPT_PROC_ROOT },
    { "help",      no_argument,       NULL, 'h' },
    { "version",   no_argument,       NULL, 'V' },
    { NULL, 0, NULL, 0 },
};

static void cli__help(FILE *f)
{
    fputs(
"Usage: schedwatch [OPTION]...\n"
"Watch concurrency models compete, live, in the terminal: per-core activity,\n"
"run queues, task states, memory and context switches, sampled from /proc.\n"
"\n"
"  -p, --pid PID          also watch the process tree of PID: all its processes\n"
"                         and threads (repeatable, up to 16 trees)\n"
"  -i, --interval TIME    time between samples (default 100ms; 10ms to 10s)\n"
"  -d, --duration TIME    quit by itself after TIME\n"
"      --theme NAME|FILE  colour theme: default, high-contrast (projectors),\n"
"                         mono, or the path of a theme file\n"
"      --ascii            draw with ASCII characters only\n"
"      --no-color         no colours (the same as setting NO_COLOR)\n"
"      --proc-root DIR    read the proc file system from DIR (default " PROCDIR ")\n"
"  -h, --help             show this help and exit\n"
"  -V, --version          show the version and exit\n"
"\n"
"TIME is a number with a unit: 500ms, 10s, 2m, 1h (a bare number is seconds).\n"
"\n"
"Keys: q quit, space pause sampling, ? help, arrows scroll.\n"
"\n"
"Examples:\n"
"  schedwatch                           watch the machine's cores and load\n"
"  schedwatch --pid $(pgrep -n python3) watch a Python program's threads\n"
"  schedwatch -p 1234 -p 5678 -i 50ms   two process trees, sampled at 20 Hz\n"
"  schedwatch --theme high-contrast -d 2m\n"
"\n"
"See schedwatch(1) for the screen, the figures and where they come from.\n", f);
}

static int cli__usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int cli__usage_error(const char *fmt, ...)
{
    va_list ap;
    fputs("schedwatch: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\nTry 'schedwatch --help' for more information.\n", stderr);
    return CLI_EXIT_USAGE;
}

static int cli__duration(const char *opt, const char *arg, uint64_t lo, uint64_t hi,
                         uint64_t *out)
{
    int r = util_parse_duration(arg, out);
    if (r == -EINVAL)
        return cli__usage_error("%s '%s': not a time; write it like 500ms, 10s or 2m", opt, arg);
    if (r < 0 || *out < lo || *out > hi)
        return cli__usage_error("%s '%s': out of range (%.3gs to %.3gs)", opt, arg,
                                lo / 1e9, hi / 1e9);
    return CLI_RUN;
}

enum cli_status cli_parse(int argc, char **argv, struct config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->interval_ns = 100000000;
    cfg->proc_root = PROCDIR;
    const char *nc = getenv("NO_COLOR");
    cfg->no_color = nc != NULL && nc[0] != '\0';

    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, ":p:i:d:hV", cli__long, NULL)) != -1) {
        int r = CLI_RUN;
        long v;
        switch (c) {
        case 'p':
            if (util_parse_long(optarg, 1, 0x7fffffff, &v) < 0)
                return cli__usage_error("--pid '%s': not a process id (a positive number)",
                                        optarg);
            if (cfg->npids == CLI_MAX_PIDS)
                return cli__usage_error("--pid: at most %d process trees", CLI_MAX_PIDS);
            cfg->pids[cfg->npids++] = (pid_t)v;
            break;
        case 'i':
            r = cli__duration("--interval", optarg, CLI_INTERVAL_MIN_NS, CLI_INTERVAL_MAX_NS,
                              &cfg->interval_ns);
            break;
        case 'd':
            r = cli__duration("--duration", optarg, 1000000, 366ull * 86400 * 1000000000,
                              &cfg->duration_ns);
            if (r == CLI_RUN && cfg->duration_ns == 0)
                r = cli__usage_error("--duration '%s': must be more than 0", optarg);
            break;
        case OPT_THEME:
            if (optarg[0] == '\0')
                return cli__usage_error("--theme: empty name; try default, high-contrast or mono");
            cfg->theme = optarg;
            break;
        case OPT_ASCII:
            cfg->ascii = true;
            break;
        case OPT_NO_COLOR:
            cfg->no_color = true;
            break;
        case OPT_PROC_ROOT:
            if (optarg[0] == '\0')
                return cli__usage_error("--proc-root: empty path");
            cfg->proc_root = optarg;
            break;
        case 'h':
            cli__help(stdout);
            return CLI_EXIT_OK;
        case 'V':
            printf("schedwatch %s\n", PACKAGE_VERSION);
            return CLI_EXIT_OK;
        case ':':
            return cli__usage_error("option '%s' needs a value", argv[optind - 1]);
        default:
            if (optopt != 0)
                return cli__usage_error("unknown option '-%c'", optopt);
            return cli__usage_error("unknown option '%s'", argv[optind - 1]);
        }
        if (r != CLI_RUN)
            return r;
    }
    if (optind < argc)
        return cli__usage_error("unexpected argument '%s'", argv[optind]);
    return CLI_RUN;
}
