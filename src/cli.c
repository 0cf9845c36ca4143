/*
 * cli.c — options to struct config. Every check of user input happens here,
 * so a config that reaches app_run() is valid; errors name the option, the
 * value and what to do, and exit with status 2.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lesson/lesson.h"
#include "probe/probe.h"
#include "work/work.h"
#include "util.h"

#define CLI_INTERVAL_MIN_NS  10000000ull       /* 10 ms: below it /proc reads dominate */
#define CLI_INTERVAL_MAX_NS  10000000000ull    /* 10 s */

enum {
    OPT_THEME = 0x100,
    OPT_ASCII,
    OPT_NO_COLOR,
    OPT_PROC_ROOT,
    OPT_MODELS,
    OPT_GIL,
    OPT_OFFLOAD,
    OPT_GOMAXPROCS,
    OPT_MODE,
    OPT_TURN,
    OPT_DATA_SIZE,
    OPT_LATENCY,
    OPT_RESP_SIZE,
    OPT_HEADLESS,
    OPT_JSON,
    OPT_CSV,
    OPT_RECORD,
    OPT_SIZE,
    OPT_REPLAY,
    OPT_LESSON,
    OPT_LIST_LESSONS,
    OPT_LESSON_PACE,
};

static const struct option cli__long[] = {
    { "pid",       required_argument, NULL, 'p' },
    { "interval",  required_argument, NULL, 'i' },
    { "duration",  required_argument, NULL, 'd' },
    { "theme",     required_argument, NULL, OPT_THEME },
    { "ascii",     no_argument,       NULL, OPT_ASCII },
    { "no-color",  no_argument,       NULL, OPT_NO_COLOR },
    { "proc-root", required_argument, NULL, OPT_PROC_ROOT },
    { "models",    required_argument, NULL, OPT_MODELS },
    { "workload",  required_argument, NULL, 'w' },
    { "tasks",     required_argument, NULL, 'n' },
    { "gil",       no_argument,       NULL, OPT_GIL },
    { "offload",   no_argument,       NULL, OPT_OFFLOAD },
    { "gomaxprocs", required_argument, NULL, OPT_GOMAXPROCS },
    { "mode",      required_argument, NULL, OPT_MODE },
    { "turn",      required_argument, NULL, OPT_TURN },
    { "data-size", required_argument, NULL, OPT_DATA_SIZE },
    { "latency",   required_argument, NULL, OPT_LATENCY },
    { "response-size", required_argument, NULL, OPT_RESP_SIZE },
    { "headless",  no_argument,       NULL, OPT_HEADLESS },
    { "json",      required_argument, NULL, OPT_JSON },
    { "csv",       required_argument, NULL, OPT_CSV },
    { "record",    required_argument, NULL, OPT_RECORD },
    { "size",      required_argument, NULL, OPT_SIZE },
    { "replay",    required_argument, NULL, OPT_REPLAY },
    { "lesson",    required_argument, NULL, OPT_LESSON },
    { "list-lessons", no_argument,    NULL, OPT_LIST_LESSONS },
    { "lesson-pace", required_argument, NULL, OPT_LESSON_PACE },
    { "help",      no_argument,       NULL, 'h' },
    { "version",   no_argument,       NULL, 'V' },
    { NULL, 0, NULL, 0 },
};

static void cli__help(FILE *f)
{
    fputs(
"Usage: schedwatch [OPTION]...\n"
"Watch concurrency models compete, live, in the terminal: the same workload run\n"
"by OS processes, OS threads, an event loop and goroutines (our own M:N\n"
"runtime), side by side, with per-core activity, run queues, task states,\n"
"memory and context switches from /proc.\n"
"\n"
"Models and workload:\n"
"      --models LIST      models to run, in this order, separated by commas:\n"
"                         procs, threads, loop, goroutines; or none (default: all; none\n"
"                         when --pid is given)\n"
"  -w, --workload NAME    cpu, io, mixed, lock, fanout, spawn or pingpong\n"
"                         (default cpu)\n"
"  -n, --tasks [MODEL=]N  tasks per model; MODEL=N for one model (repeatable)\n"
"      --gil              threads hold one global interpreter lock to compute,\n"
"                         handed over every 5 ms, as CPython does\n"
"      --offload          the loop sends CPU work to libuv's thread pool\n"
"      --gomaxprocs N     goroutines: Ps of the runtime, 1 to 64 (default: the\n"
"                         cores the model may use)\n"
"      --mode MODE        shared (all on all cores), split (each model pinned to\n"
"                         its own cores) or turns (one model at a time); default\n"
"                         split with 8 cores or more, turns below\n"
"      --turn TIME        length of one model's turn (default 5s)\n"
"      --data-size SIZE   cpu and mixed: the dataset (default 64M)\n"
"      --latency TIME     io and mixed: the server's answer delay (default 20ms)\n"
"      --response-size SIZE  io and mixed: bytes per answer (default 1k)\n"
"\n"
"Watching and output:\n"
"  -p, --pid PID          also watch the process tree of PID: all its processes\n"
"                         and threads (repeatable, up to 16 trees)\n"
"  -i, --interval TIME    time between samples (default 100ms; 10ms to 10s)\n"
"  -d, --duration TIME    quit by itself after TIME\n"
"      --headless         no screen: run, sample, then print a summary table\n"
"      --json FILE        with --headless: write every sample and the summary\n"
"      --csv FILE         with --headless: one row per sample and model\n"
"      --record FILE      write what the screen shows to FILE as an asciicast v2\n"
"                         recording (asciinema play FILE); the layout keeps the\n"
"                         size it starts with (see --size)\n"
"      --size WxH         lay the screen out at W columns by H rows whatever the\n"
"                         terminal's size (the terminal shows what fits)\n"
"      --replay FILE      play a --json sample file back on the screen, at its\n"
"                         recorded pace, without running any workload\n"
"\n"
"Lessons:\n"
"      --lesson NAME|FILE play a lesson: timed steps that change the workload,\n"
"                         a caption, and expectations marked as they hold or\n"
"                         fail; with --headless, print each verdict and exit 1\n"
"                         if one fails\n"
"      --list-lessons     list the lessons with one line each, and exit\n"
"      --lesson-pace F    scale every time in the lesson by F (0.25 to 4; below\n"
"                         1 a lesson runs faster, for tests)\n"
"\n"
"Screen:\n"
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
"Keys: 1-4 focus a model, 0/Esc all; w workload; + - tasks; g GIL; o offload;\n"
"p P GOMAXPROCS; m mode; r restart; c compare the models; space freeze, then\n"
"left/right step through the last samples; ? every key; q quit.\n"
"\n"
"schedwatch bench [--models LIST] [--time TIME] [--json FILE] measures, per\n"
"model, the cost of creating a task, of a switch, and of an idle task.\n"
"\n"
"Examples:\n"
"  schedwatch                           the models crunch a dataset, side by side\n"
"  schedwatch -w io -n 2000             2000 concurrent I/O tasks per model\n"
"  schedwatch --models threads --gil    what the GIL does to CPU-bound threads\n"
"  schedwatch --headless -d 10s --json run.json\n"
"  schedwatch --pid $(pgrep -n python3) watch a Python program's threads\n"
"  schedwatch -p 1234 -p 5678 -i 50ms   two process trees, sampled at 20 Hz\n"
"  schedwatch --theme high-contrast -d 2m\n"
"  schedwatch -d 10s --record run.cast --size 120x40   then: asciinema play run.cast\n"
"  schedwatch --replay run.json         show a --json run again, no workload\n"
"  schedwatch --lesson cpu-bound        a lesson; --list-lessons lists them\n"
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

static int cli__size(const char *opt, const char *arg, uint64_t lo, uint64_t hi,
                     uint64_t *out)
{
    int r = util_parse_size(arg, out);
    if (r == -EINVAL)
        return cli__usage_error("%s '%s': not a size; write it like 4096, 64k, 64M or 1G",
                                opt, arg);
    if (r < 0 || *out < lo || *out > hi)
        return cli__usage_error("%s '%s': out of range (%llu to %llu bytes)", opt, arg,
                                (unsigned long long)lo, (unsigned long long)hi);
    return CLI_RUN;
}

static bool cli__has_model(const struct run_opts *o, enum probe_model k)
{
    for (int i = 0; i < o->nmodels; i++)
        if (o->models[i] == k)
            return true;
    return false;
}

static int cli__model_parse(const char *name, enum probe_model *out)
{
    for (int k = PROBE_MODEL_NONE + 1; k < PROBE_MODEL_COUNT; k++)
        if (run_model_available((enum probe_model)k) &&
            strcmp(name, probe_model_name((enum probe_model)k)) == 0) {
            *out = (enum probe_model)k;
            return 0;
        }
    return -EINVAL;
}

static int cli__models(const char *arg, struct run_opts *o)
{
    o->nmodels = 0;
    if (strcmp(arg, "none") == 0)
        return CLI_RUN;
    if (strcmp(arg, "all") == 0) {
        for (int k = PROBE_MODEL_NONE + 1; k < PROBE_MODEL_COUNT; k++)
            if (run_model_available((enum probe_model)k) && o->nmodels < RUN_MAX_MODELS)
                o->models[o->nmodels++] = (enum probe_model)k;
        return CLI_RUN;
    }
    char *copy = xstrdup(arg), *save = NULL;
    int r = CLI_RUN;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        enum probe_model k;
        if (cli__model_parse(tok, &k) < 0) {
            r = cli__usage_error("--models: unknown model '%s'; choose from %s", tok,
                                 run_models_available());
            break;
        }
        if (cli__has_model(o, k)) {
            r = cli__usage_error("--models: '%s' given twice", tok);
            break;
        }
        o->models[o->nmodels++] = k;
    }
    if (r == CLI_RUN && o->nmodels == 0)
        r = cli__usage_error("--models '%s': no model named; choose from %s, or none", arg,
                             run_models_available());
    free(copy);
    return r;
}

/* -n N or -n MODEL=N */
static int cli__tasks(const char *arg, uint32_t *all, uint32_t *per, bool *given)
{
    const char *eq = strchr(arg, '=');
    const char *num = eq ? eq + 1 : arg;
    long v;
    int r = util_parse_long(num, 1, RUN_MAX_TASKS, &v);
    if (r == -EINVAL)
        return cli__usage_error("--tasks '%s': not a count; write N or MODEL=N", arg);
    if (r < 0)
        return cli__usage_error("--tasks '%s': out of range (1 to %d)", arg, RUN_MAX_TASKS);
    if (eq == NULL) {
        *all = (uint32_t)v;
        return CLI_RUN;
    }
    char name[32];
    snprintf(name, sizeof(name), "%.*s", (int)MIN((size_t)(eq - arg), sizeof(name) - 1), arg);
    enum probe_model k;
    if (cli__model_parse(name, &k) < 0)
        return cli__usage_error("--tasks '%s': unknown model '%s'; choose from %s", arg, name,
                                run_models_available());
    per[k] = (uint32_t)v;
    given[k] = true;
    return CLI_RUN;
}

/* --size WxH: at least the smallest screen the view draws, at most 1000x1000. */
static int cli__wxh(const char *arg, int *w, int *h)
{
    char *x = strchr(arg, 'x');
    long a, b;
    char wbuf[16];
    if (x == NULL || (size_t)(x - arg) >= sizeof(wbuf))
        return cli__usage_error("--size '%s': write it as COLUMNSxROWS, like 120x40", arg);
    snprintf(wbuf, sizeof(wbuf), "%.*s", (int)(x - arg), arg);
    if (util_parse_long(wbuf, 40, 1000, &a) < 0 || util_parse_long(x + 1, 10, 1000, &b) < 0)
        return cli__usage_error("--size '%s': from 40x10 to 1000x1000", arg);
    *w = (int)a;
    *h = (int)b;
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
    /* 0, not 1: glibc then resets all of getopt's state. With 1 it goes on inside the
     * last call's argument when that call stopped in a group ("-hV" returns at h), so
     * a second cli_parse in one process (the tests, the fuzzer) read the V, or a freed
     * string. */
    optind = 0;
    int c;
    uint32_t all_tasks = 0;
    bool tasks_given[PROBE_MODEL_COUNT] = { false };
    cfg->run.workload = WORK_CPU;
    cfg->run.turn_ns = 5000000000ull;
    cfg->run.latency_ns = WORK_LATENCY_DEFAULT_NS;
    while ((c = getopt_long(argc, argv, ":p:i:d:w:n:hV", cli__long, NULL)) != -1) {
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
        case OPT_MODELS:
            r = cli__models(optarg, &cfg->run);
            cfg->models_given = true;
            break;
        case 'w':
            if (work_parse(optarg, &cfg->run.workload) < 0)
                return cli__usage_error("--workload '%s': unknown; choose cpu, io, mixed, lock, "
                                        "fanout, spawn or pingpong", optarg);
            break;
        case 'n':
            r = cli__tasks(optarg, &all_tasks, cfg->run.ntasks, tasks_given);
            break;
        case OPT_GIL:
            cfg->run.gil = true;
            break;
        case OPT_OFFLOAD:
            cfg->run.offload = true;
            break;
        case OPT_GOMAXPROCS: {
            long procs;
            if (util_parse_long(optarg, 1, MODEL_PROCS_MAX, &procs) < 0)
                return cli__usage_error("--gomaxprocs '%s': give a number from 1 to %d", optarg,
                                        MODEL_PROCS_MAX);
            cfg->run.gomaxprocs = (uint32_t)procs;
            break;
        }
        case OPT_MODE:
            if (run_mode_parse(optarg, &cfg->run.mode) < 0)
                return cli__usage_error("--mode '%s': unknown; choose shared, split or turns",
                                        optarg);
            cfg->mode_given = true;
            break;
        case OPT_TURN:
            r = cli__duration("--turn", optarg, 500000000ull, 3600000000000ull,
                              &cfg->run.turn_ns);
            break;
        case OPT_DATA_SIZE:
            r = cli__size("--data-size", optarg, 1u << 20, 16ull << 30, &cfg->run.data_size);
            break;
        case OPT_LATENCY:
            r = cli__duration("--latency", optarg, 0, 10000000000ull, &cfg->run.latency_ns);
            break;
        case OPT_RESP_SIZE: {
            uint64_t b;
            r = cli__size("--response-size", optarg, 16, WORK_RESP_MAX, &b);
            cfg->run.resp_size = (uint32_t)b;
            break;
        }
        case OPT_HEADLESS:
            cfg->headless = true;
            break;
        case OPT_JSON:
            if (optarg[0] == '\0')
                return cli__usage_error("--json: empty file name");
            cfg->json_path = optarg;
            break;
        case OPT_CSV:
            if (optarg[0] == '\0')
                return cli__usage_error("--csv: empty file name");
            cfg->csv_path = optarg;
            break;
        case OPT_RECORD:
            if (optarg[0] == '\0')
                return cli__usage_error("--record: empty file name");
            cfg->record_path = optarg;
            break;
        case OPT_SIZE:
            r = cli__wxh(optarg, &cfg->size_w, &cfg->size_h);
            break;
        case OPT_REPLAY:
            if (optarg[0] == '\0')
                return cli__usage_error("--replay: empty file name");
            cfg->replay_path = optarg;
            break;
        case OPT_LESSON:
            if (optarg[0] == '\0')
                return cli__usage_error("--lesson: empty name; see --list-lessons");
            cfg->lesson = optarg;
            break;
        case OPT_LIST_LESSONS:
            if (lesson_list_print(stdout) < 0) {
                fprintf(stderr, "schedwatch: --list-lessons: no lesson directory found\n");
                return CLI_EXIT_USAGE;
            }
            return CLI_EXIT_OK;
        case OPT_LESSON_PACE: {
            char *end;
            errno = 0;
            double p = strtod(optarg, &end);
            if (end == optarg || *end != '\0' || errno != 0 || !(p >= 0.25 && p <= 4))
                return cli__usage_error("--lesson-pace '%s': a factor from 0.25 to 4", optarg);
            cfg->lesson_pace = p;
            break;
        }
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
    if (cfg->lesson_pace == 0)
        cfg->lesson_pace = 1;
    if (cfg->headless && (cfg->record_path || cfg->replay_path || cfg->size_w))
        return cli__usage_error("--record, --size and --replay need the screen: drop "
                                "--headless");
    if (cfg->replay_path && (cfg->lesson || cfg->models_given || cfg->npids))
        return cli__usage_error("--replay plays a file: it runs no models, pids or lesson");
    if (cfg->replay_path)
        return CLI_RUN;
    if ((cfg->json_path || cfg->csv_path) && !cfg->headless)
        return cli__usage_error("--json and --csv go with --headless");
    if (!cfg->models_given && cfg->npids == 0)
        cli__models("all", &cfg->run);
    if (cfg->headless && cfg->run.nmodels == 0 && cfg->npids == 0)
        return cli__usage_error("--headless with nothing to run: give --models or --pid");
    if (cfg->run.gil && !cli__has_model(&cfg->run, PROBE_MODEL_THREADS))
        return cli__usage_error("--gil applies to the threads model, which is not running");
    if (cfg->run.offload && !cli__has_model(&cfg->run, PROBE_MODEL_LOOP))
        return cli__usage_error("--offload applies to the loop model, which is not running");
    if (cfg->run.gomaxprocs && !cli__has_model(&cfg->run, PROBE_MODEL_GOROUTINES))
        return cli__usage_error("--gomaxprocs applies to the goroutines model, which is not "
                                "running");
    for (int k = 0; k < PROBE_MODEL_COUNT; k++) {
        if (tasks_given[k] && !cli__has_model(&cfg->run, (enum probe_model)k))
            return cli__usage_error("--tasks %s=...: the %s model is not running",
                                    probe_model_name(k), probe_model_name(k));
        if (!tasks_given[k])
            cfg->run.ntasks[k] = all_tasks ? all_tasks
                                           : run_default_tasks(cfg->run.workload,
                                                               (enum probe_model)k);
    }
    if (cfg->run.workload == WORK_PINGPONG)
        for (int k = 0; k < PROBE_MODEL_COUNT; k++)
            if (cfg->run.ntasks[k] % 2)
                return cli__usage_error("--workload pingpong: tasks come in pairs; give an "
                                        "even --tasks");
    return CLI_RUN;
}
