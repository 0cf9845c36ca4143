/*
 * app.c — the monitor: one libuv loop, and the only place where its parts
 * meet.
 *
 *   sample timer ──▶ sampler_sample() ──▶ ui_set_sample()   (marks dirty)
 *   stdin poll   ──▶ ui_read_key() ─────▶ ui_handle_key()   (marks dirty)
 *   SIGWINCH     ──▶ ui_resize()                            (marks dirty)
 *   prepare      ──▶ ui_frame()   one frame per loop turn, drawn only if dirty
 *   SIGINT/TERM/HUP, q, -d timer ──▶ app__stop(): close every handle
 *
 * Callbacks only record what changed; the frame is composed in the prepare
 * callback, just before the loop blocks, so a burst of events costs one frame.
 *
 * Exit paths: every normal one goes through app__stop() and then the cleanup
 * at the end of app_run(), which restores the terminal. A crash (SIGSEGV,
 * SIGBUS, SIGFPE, SIGILL, SIGABRT) runs app__crash(), which restores the
 * terminal with async-signal-safe calls only and re-raises the signal so the
 * exit status and any core dump stay true.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "app.h"
#include "lesson/player.h"
#include "record/record.h"
#include "report/replay.h"
#include "report/report.h"
#include "run/run.h"
#include "sample/sampler.h"
#include "ui/ui.h"
#include "util.h"

struct app {
    const struct config *cfg;
    uv_loop_t        loop;
    uv_timer_t       sample_timer;
    uv_timer_t       duration_timer;
    uv_prepare_t     frame;
    uv_poll_t        input;
    uv_signal_t      sig_int, sig_term, sig_hup, sig_winch, sig_chld;
    struct sampler  *sampler;
    struct ui       *ui;            /* NULL when headless */
    struct run      *run;           /* NULL when no model runs */
    struct report   *report;        /* headless output, or NULL */
    struct record   *rec;           /* --record, or NULL */
    struct replay   *replay;        /* --replay, or NULL */
    struct player   *player;        /* --lesson, or NULL */
    bool             lesson_over;
    int              rp_pos;        /* the replayed sample on screen */
    uv_timer_t       replay_timer;
    char             status_line[256];
    bool             paused;
    bool             stopping;
    int              status;          /* exit status of app_run() */
    int              signo;           /* signal that ended us, re-raised at exit */
};

static void app__stop(struct app *app, int status);

/* The status line: a run's error if it has one, else how fair the comparison is. */
static void app__status(struct app *app)
{
    if (app->ui == NULL || app->run == NULL)
        return;
    const char *err = run_error(app->run);
    const char *msg = err[0] ? err : run_fairness(app->run);
    if (strcmp(msg, app->status_line) != 0) {
        snprintf(app->status_line, sizeof(app->status_line), "%s", msg);
        ui_set_status(app->ui, app->status_line);
    }
}


static void app__compare(struct app *app, bool show);

/* After each sample: the lesson moves on (and may replace the run). */
static void app__lesson_tick(struct app *app, const struct sample *s)
{
    if (app->ui != NULL)
        ui_touch(app->ui);
    if (player_tick(app->player, util_now_ns(), &app->run, app->sampler, s)) {
        if (app->run == NULL) {
            fprintf(stderr, "schedwatch: lesson: %s\n", player_error(app->player));
            app__stop(app, 1);
        }
        return;
    }
    app->lesson_over = true;
    if (app->ui == NULL) {
        int held, failed, skipped;
        player_counts(app->player, &held, &failed, &skipped);
        app__stop(app, failed > 0 ? 1 : 0);
    } else {
        ui_set_status(app->ui, "lesson over: the models run on; q quits");
    }
}

/* A test-only way to crash on purpose, so tests can see the crash path restore
 * the terminal and take the models with it. Only an environment variable: it
 * is not an option a user meets. "segv": once the screen is up; "segv@N": at
 * sample N, with the models running (headless too). */
static void app__maybe_crash_for_test(uint64_t seq)
{
    const char *how = getenv("SCHEDWATCH_TEST_CRASH");
    if (how == NULL || strncmp(how, "segv", 4) != 0)
        return;
    uint64_t at = how[4] == '@' ? strtoull(how + 5, NULL, 10) : 0;
    if (at == seq)
        raise(SIGSEGV);
}

static void app__take_sample(struct app *app)
{
    const struct sample *s;
    int r = sampler_sample(app->sampler, &s);
    if (r < 0) {
        char msg[160];
        snprintf(msg, sizeof(msg), "sampling failed: %s", strerror(-r));
        if (app->ui != NULL)
            ui_set_status(app->ui, msg);
        else
            fprintf(stderr, "schedwatch: %s\n", msg);
        return;
    }
    if (app->run != NULL)
        run_update(app->run, s);
    app__maybe_crash_for_test(s->seq);
    if (app->player != NULL && !app->lesson_over)
        app__lesson_tick(app, s);
    if (app->report != NULL)
        report_sample(app->report, s, sampler_caps(app->sampler), app->run);
    if (app->ui != NULL) {
        ui_set_run(app->ui, app->run);      /* the models go with this sample */
        ui_set_sample(app->ui, s, sampler_caps(app->sampler));
        app__status(app);
        if (ui_overlay_shown(app->ui))
            app__compare(app, true);
    }
}

static void app__on_sample(uv_timer_t *t)
{
    app__take_sample(t->data);
}

static void app__on_duration(uv_timer_t *t)
{
    app__stop(t->data, 0);
}

static void app__on_frame(uv_prepare_t *p)
{
    struct app *app = p->data;
    if (!app->stopping && app->ui != NULL)
        ui_frame(app->ui);
}

static void app__set_paused(struct app *app, bool paused)
{
    if (app->replay != NULL)
        return;
    app->paused = paused;
    if (app->ui != NULL)
        ui_set_paused(app->ui, paused);
    if (paused) {
        uv_timer_stop(&app->sample_timer);
    } else {
        uint64_t ms = app->cfg->interval_ns / 1000000;
        uv_timer_start(&app->sample_timer, app__on_sample, ms, ms);
    }
}

/* ---- replay ------------------------------------------------------------------------ */

static void app__on_replay(uv_timer_t *t);

/* Shows sample i of the file and says where we are in it. */
static void app__replay_show(struct app *app, int i)
{
    const struct replay *rp = app->replay;
    int n = replay_count(rp);
    char msg[200];
    app->rp_pos = i;
    ui_set_sample(app->ui, replay_sample(rp, i), i == 0 ? replay_caps(rp) : NULL);
    snprintf(msg, sizeof(msg), "replay %.1f s of %.1f s, sample %d of %d%s", replay_time(rp, i),
             replay_time(rp, n - 1), i + 1, n,
             i == n - 1 ? " (end)" : app->paused ? ": \u2190 \u2192 step" : "");
    ui_set_status(app->ui, msg);
    if (ui_overlay_shown(app->ui))
        app__compare(app, true);
}

/* Plays on from rp_pos: the next sample comes after the recorded gap. */
static void app__replay_schedule(struct app *app)
{
    const struct replay *rp = app->replay;
    int i = app->rp_pos;
    if (app->paused || i + 1 >= replay_count(rp))
        return;
    double gap = replay_time(rp, i + 1) - replay_time(rp, i);
    uv_timer_start(&app->replay_timer, app__on_replay, (uint64_t)(gap * 1000 + 0.5), 0);
}

static void app__on_replay(uv_timer_t *t)
{
    struct app *app = t->data;
    app__replay_show(app, app->rp_pos + 1);
    app__replay_schedule(app);
}

static void app__replay_pause(struct app *app, bool paused)
{
    app->paused = paused;
    ui_set_paused(app->ui, paused);
    uv_timer_stop(&app->replay_timer);
    app__replay_show(app, app->rp_pos);
    app__replay_schedule(app);
}

/* Keys replay takes before the ui: arrows step (and freeze), space freezes. */
static bool app__replay_key(struct app *app, int key)
{
    int n = replay_count(app->replay);
    switch (key) {
    case ' ':
        app__replay_pause(app, !app->paused);
        return true;
    case UI_KEY_LEFT:
    case UI_KEY_RIGHT:
        app->rp_pos = CLAMP(app->rp_pos + (key == UI_KEY_LEFT ? -1 : 1), 0, n - 1);
        app__replay_pause(app, true);
        return true;
    case UI_KEY_HOME:
    case UI_KEY_END:
        app->rp_pos = key == UI_KEY_HOME ? 0 : n - 1;
        app__replay_pause(app, true);
        return true;
    default:
        return false;
    }
}

/* The c key: the comparison table over the screen, live (refreshed each sample). */
static void app__compare(struct app *app, bool show)
{
    char *text = NULL;
    if (!show) {
        ui_set_overlay(app->ui, NULL, NULL);
        return;
    }
    if (app->replay != NULL) {
        struct report_cmp m[RUN_MAX_MODELS];
        int n = replay_nmodels(app->replay, app->rp_pos);
        memset(m, 0, sizeof(m));
        for (int i = 0; i < n; i++)
            m[i].f = replay_figs(app->replay, app->rp_pos, i);
        if (n > 0)
            text = report_compare(m, n);
    } else if (app->run != NULL) {
        text = report_compare_run(app->run);
    }
    ui_set_overlay(app->ui, "models compared on this machine (c or Esc closes)",
                   text ? text : "no model runs: nothing to compare (see --models)");
    free(text);
}

/* A key asked for a live change to the models: apply it and say how it went. */
static void app__model_action(struct app *app, enum ui_action a)
{
    struct run *r = app->run;
    if (r == NULL)
        return;
    const struct run_opts *o = run_options(r);
    switch (a) {
    case UI_ACT_WORKLOAD:
        run_set_workload(r, (enum work_kind)((o->workload + 1) % WORK_COUNT));
        break;
    case UI_ACT_TASKS_MORE:
    case UI_ACT_TASKS_FEWER:
        for (int i = 0; i < run_count(r); i++) {
            enum probe_model k = run_figs(r, i)->kind;
            uint32_t n = o->ntasks[k];
            n = a == UI_ACT_TASKS_MORE ? MIN(n * 2, (uint32_t)RUN_MAX_TASKS) : MAX(n / 2, 1u);
            if (o->workload == WORK_PINGPONG)
                n = MAX(n & ~1u, 2u);       /* pairs */
            if (n != o->ntasks[k])
                run_set_tasks(r, k, n);
        }
        break;
    case UI_ACT_GIL:
        run_set_gil(r, !o->gil);
        break;
    case UI_ACT_OFFLOAD:
        run_set_offload(r, !o->offload);
        break;
    case UI_ACT_MODE:
        run_set_mode(r, (enum run_mode)((o->mode + 1) % RUN_MODE_COUNT));
        break;
    case UI_ACT_RESTART:
        run_restart(r);
        break;
    case UI_ACT_GOMAXPROCS_UP:
    case UI_ACT_GOMAXPROCS_DOWN:
        /* The ui offers p/P only while a goroutines model runs. */
        for (int i = 0; i < run_count(r); i++) {
            const struct run_figs *f = run_figs(r, i);
            if (f->kind != PROBE_MODEL_GOROUTINES || f->go_procs <= 0)
                continue;
            int n = f->go_procs + (a == UI_ACT_GOMAXPROCS_UP ? 1 : -1);
            if (n >= 1 && n <= 256)
                run_set_procs(r, (uint32_t)n);
        }
        break;
    default:
        break;
    }
    app__status(app);
}

static void app__on_input(uv_poll_t *h, int status, int events)
{
    struct app *app = h->data;
    if (status < 0) {
        /* The terminal is gone (hang-up without SIGHUP, or revoked). */
        app__stop(app, 1);
        return;
    }
    int key;
    while (!app->stopping && (key = ui_read_key(app->ui)) != UI_KEY_NONE) {
        if (key == UI_KEY_RESIZE) {
            ui_resize(app->ui);
            continue;
        }
        if (app->replay != NULL && app__replay_key(app, key))
            continue;
        if (key == 'c' || (key == UI_KEY_ESC && ui_overlay_shown(app->ui))) {
            app__compare(app, key == 'c' && !ui_overlay_shown(app->ui));
            continue;
        }
        enum ui_action a = ui_handle_key(app->ui, key);
        switch (a) {
        case UI_ACT_QUIT:
            app__stop(app, 0);
            break;
        case UI_ACT_PAUSE:
            app__set_paused(app, !app->paused);
            break;
        case UI_ACT_NONE:
        case UI_ACT_REDRAW:
            break;
        default:
            app__model_action(app, a);
            break;
        }
    }
}

static void app__on_signal(uv_signal_t *h, int signo)
{
    struct app *app = h->data;
    if (signo == SIGWINCH) {
        if (app->ui != NULL)
            ui_resize(app->ui);
        return;
    }
    if (signo == SIGCHLD) {
        /* A model host or the latency server ended: the run says which and why. */
        if (app->run != NULL)
            run_reap(app->run);
        return;
    }
    /* SIGHUP means the terminal closed; SIGINT/SIGTERM ask us to end. All three end us
     * cleanly; the status says which, as a shell would (128 + signo). */
    app->signo = signo;
    app__stop(app, 128 + signo);
}

static void app__close_cb(uv_handle_t *h)
{
}

static void app__close_walk(uv_handle_t *h, void *arg)
{
    if (!uv_is_closing(h))
        uv_close(h, app__close_cb);
}

static void app__stop(struct app *app, int status)
{
    if (app->stopping)
        return;
    app->stopping = true;
    app->status = status;
    uv_walk(&app->loop, app__close_walk, NULL);
}

/* ---- crash path: async-signal-safe only ---------------------------------- */

static void app__crash(int signo)
{
    static const char msg[] = "schedwatch: crashed; terminal restored\n";
    static const char bare[] = "schedwatch: crashed\n";
    bool term = ui_term_emergency_restore();
    ssize_t n = term ? write(STDERR_FILENO, msg, sizeof(msg) - 1)
                     : write(STDERR_FILENO, bare, sizeof(bare) - 1);
    (void)n;
    /* SA_RESETHAND put the default action back: re-raise for a true exit status. */
    raise(signo);
}

static void app__install_crash_handlers(void)
{
    static const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = app__crash;
    sa.sa_flags = SA_RESETHAND | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
        sigaction(sigs[i], &sa, NULL);
}


/* ---- start and end -------------------------------------------------------- */

static int app__watch_pids(struct app *app)
{
    for (int i = 0; i < app->cfg->npids; i++) {
        pid_t pid = app->cfg->pids[i];
        int r = sampler_watch(app->sampler, pid, NULL);
        if (r == -ESRCH) {
            fprintf(stderr, "schedwatch: --pid %d: no such process\n", (int)pid);
            return 2;
        }
        if (r < 0) {
            fprintf(stderr, "schedwatch: --pid %d: cannot watch it: %s\n", (int)pid,
                    strerror(-r));
            return 1;
        }
    }
    return 0;
}

static void app__signal_start(struct app *app, uv_signal_t *h, int signo)
{
    uv_signal_init(&app->loop, h);
    h->data = app;
    uv_signal_start(h, app__on_signal, signo);
}

static int app__start_run(struct app *app, struct config *cfg)
{
    if (!cfg->mode_given) {
        cpu_set_t set;
        int n = sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set) : 1;
        cfg->run.mode = run_mode_default(n);
    }
    if (app->player != NULL) {
        /* The lesson's first step starts the run. */
        player_tick(app->player, util_now_ns(), &app->run, app->sampler, NULL);
        if (app->run == NULL) {
            fprintf(stderr, "schedwatch: lesson: %s\n", player_error(app->player));
            return 1;
        }
        if (app->ui == NULL)
            player_set_log(app->player, stdout);
        return 0;
    }
    if (cfg->run.nmodels == 0)
        return 0;
    char err[256];
    int r = run_start(&cfg->run, app->sampler, &app->run, err, sizeof(err));
    if (r < 0) {
        fprintf(stderr, "schedwatch: %s\n", err);
        return r == -EAGAIN ? 2 : 1;
    }
    return 0;
}

static void app__on_canvas(void *arg, const struct canvas *c)
{
    struct app *app = arg;
    record_frame(app->rec, c);
}

/* --record keeps one layout size for the whole file: --size, else the terminal's now. */
static void app__record_size(const struct config *cfg, int *w, int *h)
{
    struct winsize ws;
    *w = cfg->size_w;
    *h = cfg->size_h;
    if (*w > 0 || cfg->record_path == NULL)
        return;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) {
        *w = ws.ws_col;
        *h = ws.ws_row;
    } else {
        *w = 80;
        *h = 24;
    }
}

/* What both the screen and a headless run need: the ending signals, SIGCHLD
 * for the hosts, the sample timer and the -d timer. */
static void app__start_timers_and_signals(struct app *app, const struct config *cfg)
{
    app__signal_start(app, &app->sig_int, SIGINT);
    app__signal_start(app, &app->sig_term, SIGTERM);
    app__signal_start(app, &app->sig_hup, SIGHUP);
    app__signal_start(app, &app->sig_chld, SIGCHLD);
    uv_timer_init(&app->loop, &app->sample_timer);
    app->sample_timer.data = app;
    if (app->replay != NULL) {
        /* A replay's samples come from the file, at its pace. */
        uv_timer_init(&app->loop, &app->replay_timer);
        app->replay_timer.data = app;
        app__replay_schedule(app);
    } else {
        app__set_paused(app, false);
    }
    if (cfg->duration_ns > 0) {
        uv_timer_init(&app->loop, &app->duration_timer);
        app->duration_timer.data = app;
        uv_timer_start(&app->duration_timer, app__on_duration, cfg->duration_ns / 1000000, 0);
    }
}

static int app__headless(struct app *app, const struct config *cfg)
{
    char err[256];
    int r = report_open(cfg->json_path, cfg->csv_path, app->run, cfg->interval_ns,
                        &app->report, err, sizeof(err));
    if (r < 0) {
        fprintf(stderr, "schedwatch: %s\n", err);
        return 2;
    }
    app__start_timers_and_signals(app, cfg);
    uv_run(&app->loop, UV_RUN_DEFAULT);
    int status = app->status;
    report_trees(stdout, app->report, cfg->pids, cfg->npids);
    r = report_close(app->report, app->run, err, sizeof(err));
    app->report = NULL;
    if (r < 0) {
        fprintf(stderr, "schedwatch: %s\n", err);
        status = 1;
    }
    if (app->run != NULL) {
        char *cmp = report_compare_run(app->run);
        report_table(stdout, app->run);
        printf("\n%s\n", cmp);
        free(cmp);
    }
    if (app->player != NULL) {
        int held, failed, skipped;
        if (!app->lesson_over)
            player_tick(app->player, UINT64_MAX / 2, &app->run, app->sampler, NULL);
        player_counts(app->player, &held, &failed, &skipped);
        printf("lesson %s: %d held, %d failed, %d skipped\n",
               player_lesson(app->player)->name, held, failed, skipped);
        if (failed > 0 && status == 0)
            status = 1;
    }
    fflush(stdout);
    return status;
}

int app_run(const struct config *cfg_in)
{
    struct app app_storage, *app = &app_storage;
    struct config cfg_storage = *cfg_in, *cfg = &cfg_storage;
    memset(app, 0, sizeof(*app));
    app->cfg = cfg;

    if (cfg->lesson != NULL) {
        char err[512], *path;
        struct lesson *l;
        if (lesson_find(cfg->lesson, &path) < 0) {
            fprintf(stderr, "schedwatch: --lesson %s: no such lesson; see --list-lessons\n",
                    cfg->lesson);
            return 2;
        }
        int lr = lesson_load(path, &l, err, sizeof(err));
        free(path);
        if (lr < 0) {
            fprintf(stderr, "schedwatch: %s\n", err);
            return 2;
        }
        app->player = player_new(l, &cfg->run, cfg->lesson_pace);
    }

    /* A bad file is reported with or without a terminal. */
    if (cfg->replay_path != NULL) {
        char err[512];
        int rr = replay_load(cfg->replay_path, &app->replay, err, sizeof(err));
        if (rr < 0) {
            fprintf(stderr, "schedwatch: %s\n", err);
            return rr == -EINVAL ? 2 : 1;
        }
    }

    if (!cfg->headless && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
        fprintf(stderr, "schedwatch: the live screen needs a terminal on standard input and "
                "output; without one, use --headless (e.g. --headless -d 10s --json run.json)\n");
        replay_free(app->replay);
        player_free(app->player);
        return 2;
    }

    /* The monitor must disturb what it measures as little as it can: per-task reads get
     * 3% of the interval (the sampler's own default is 8%). With 1,000 I/O tasks per
     * model that takes the whole monitor from 9.8% to 7.1% of a core; tasks not read
     * in a sample keep their last figures, each rate over its own interval. */
    struct sampler_opts so = { .proc_root = cfg->proc_root, .budget_pct = 3 };
    int r = sampler_new(&so, &app->sampler);
    if (r < 0) {
        struct stat dst;
        int derr = stat(cfg->proc_root, &dst) < 0 ? errno : S_ISDIR(dst.st_mode) ? 0 : ENOTDIR;
        if (derr != 0)
            fprintf(stderr, "schedwatch: cannot read %s: %s (is the proc file system "
                    "mounted? see --proc-root)\n", cfg->proc_root, strerror(derr));
        else if (r == -EINVAL || r == -ENODATA || r == -ERANGE)
            fprintf(stderr, "schedwatch: %s/stat is not in the format of /proc/stat, which "
                    "the machine's figures come from (see --proc-root)\n", cfg->proc_root);
        else
            fprintf(stderr, "schedwatch: cannot read %s/stat: %s; the machine's figures "
                    "come from it (see --proc-root)\n", cfg->proc_root, strerror(-r));
        return 1;
    }
    int status = app__watch_pids(app);
    if (status != 0)
        goto out_free_sampler;

    if (!cfg->headless) {
        struct ui_opts uo = {
            .ascii = cfg->ascii,
            .no_color = cfg->no_color,
            .theme = cfg->theme,
            .interval_ns = cfg->interval_ns,
        };
        app__record_size(cfg, &uo.fixed_w, &uo.fixed_h);
        if (app->replay != NULL && replay_interval_ns(app->replay) > 0)
            uo.interval_ns = replay_interval_ns(app->replay);   /* the recording's */
        r = ui_new(&uo, &app->ui);
        if (app->ui != NULL && app->player != NULL)
            ui_set_lesson(app->ui, app->player);
        if (r < 0) {
            fprintf(stderr, "schedwatch: %s\n", app->ui ? ui_last_error(app->ui) : strerror(-r));
            status = 2;
            goto out_free_ui;
        }
    }

    r = uv_loop_init(&app->loop);
    if (r < 0) {
        fprintf(stderr, "schedwatch: event loop: %s\n", uv_strerror(r));
        status = 1;
        goto out_free_ui;
    }
    signal(SIGPIPE, SIG_IGN);
    app__install_crash_handlers();

    status = app__start_run(app, cfg);
    if (status != 0)
        goto out_close_loop;

    if (cfg->headless) {
        status = app__headless(app, cfg);
        goto out_close_loop;
    }

    /* Take the first sample before the screen starts, so the first frame has the
     * machine's shape (its cores) and a bad --proc-root fails before curses. */
    if (app->replay == NULL)
        app__take_sample(app);
    else
        app__replay_show(app, 0);

    r = ui_term_start(app->ui);
    if (r < 0) {
        fprintf(stderr, "schedwatch: %s\n", ui_last_error(app->ui));
        status = r == -ENOTTY || r == -EINVAL ? 2 : 1;
        goto out_close_loop;
    }
    app__maybe_crash_for_test(0);
    if (cfg->record_path != NULL) {
        char err[256];
        int rw, rh;
        app__record_size(cfg, &rw, &rh);
        r = record_open(cfg->record_path, rw, rh, "schedwatch", &app->rec, err, sizeof(err));
        if (r < 0) {
            ui_term_stop(app->ui);
            fprintf(stderr, "schedwatch: %s\n", err);
            status = 2;
            goto out_close_loop;
        }
        ui_set_frame_hook(app->ui, app__on_canvas, app);
    }

    app__signal_start(app, &app->sig_winch, SIGWINCH);
    app__start_timers_and_signals(app, cfg);

    uv_prepare_init(&app->loop, &app->frame);
    app->frame.data = app;
    uv_prepare_start(&app->frame, app__on_frame);

    /* uv_poll_init makes the descriptor non-blocking, and on a terminal stdin and stdout
     * are one open file: ncurses' writes would then meet EAGAIN whenever the terminal reads
     * slowly (it spins or drops output), the restoring sequences at exit could be lost, and
     * the shell would get its terminal back non-blocking. libuv never reads a polled
     * descriptor and ncurses waits for input with poll itself: put the flags back. */
    int in_fd = ui_input_fd(app->ui);
    int in_fl = fcntl(in_fd, F_GETFL);
    uv_poll_init(&app->loop, &app->input, in_fd);
    if (in_fl >= 0)
        fcntl(in_fd, F_SETFL, in_fl);
    app->input.data = app;
    uv_poll_start(&app->input, UV_READABLE, app__on_input);

    ui_frame(app->ui);
    uv_run(&app->loop, UV_RUN_DEFAULT);
    status = app->status;

    ui_term_stop(app->ui);
    if (app->rec != NULL) {
        char err[256];
        if (record_close(app->rec, err, sizeof(err)) < 0) {
            fprintf(stderr, "schedwatch: %s\n", err);
            status = status ? status : 1;
        }
        app->rec = NULL;
    }
out_close_loop:
    /* The hosts go first: nothing of ours outlives the monitor. */
    run_stop(app->run);
    app->run = NULL;
    /* Handles closed by app__stop() finish closing here; uv_loop_close() then
     * returns 0 because nothing is left open. */
    uv_walk(&app->loop, app__close_walk, NULL);
    uv_run(&app->loop, UV_RUN_DEFAULT);
    r = uv_loop_close(&app->loop);
    if (r < 0)
        fprintf(stderr, "schedwatch: event loop not empty at exit: %s\n", uv_strerror(r));
out_free_ui:
    if (app->ui != NULL)
        ui_free(app->ui);
out_free_sampler:
    sampler_free(app->sampler);
    replay_free(app->replay);
    player_free(app->player);
    if (app->signo != 0) {
        /* Die of the signal that ended us, so the parent sees the truth. */
        signal(app->signo, SIG_DFL);
        raise(app->signo);
    }
    return status;
}
