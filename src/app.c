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
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "app.h"
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
    if (app->report != NULL)
        report_sample(app->report, s, app->run);
    if (app->ui != NULL) {
        ui_set_sample(app->ui, s, sampler_caps(app->sampler));
        app__status(app);
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
        switch (ui_handle_key(app->ui, key)) {
        case UI_ACT_QUIT:
            app__stop(app, 0);
            break;
        case UI_ACT_PAUSE:
            app__set_paused(app, !app->paused);
            break;
        case UI_ACT_NONE:
        case UI_ACT_REDRAW:
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
    ui_term_emergency_restore();
    static const char msg[] = "schedwatch: crashed; terminal restored\n";
    ssize_t n = write(STDERR_FILENO, msg, sizeof(msg) - 1);
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

/* A test-only way to crash on purpose, so tests can see the crash path restore
 * the terminal. Only an environment variable: it is not an option a user meets. */
static void app__maybe_crash_for_test(void)
{
    const char *how = getenv("SCHEDWATCH_TEST_CRASH");
    if (how != NULL && strcmp(how, "segv") == 0)
        raise(SIGSEGV);
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
    if (cfg->run.nmodels == 0)
        return 0;
    if (!cfg->mode_given) {
        cpu_set_t set;
        int n = sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set) : 1;
        cfg->run.mode = run_mode_default(n);
    }
    char err[256];
    int r = run_start(&cfg->run, app->sampler, &app->run, err, sizeof(err));
    if (r < 0) {
        fprintf(stderr, "schedwatch: %s\n", err);
        return r == -EAGAIN ? 2 : 1;
    }
    return 0;
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
    app__set_paused(app, false);
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
    r = report_close(app->report, app->run, err, sizeof(err));
    app->report = NULL;
    if (r < 0) {
        fprintf(stderr, "schedwatch: %s\n", err);
        status = 1;
    }
    if (app->run != NULL)
        report_table(stdout, app->run);
    fflush(stdout);
    return status;
}

int app_run(const struct config *cfg_in)
{
    struct app app_storage, *app = &app_storage;
    struct config cfg_storage = *cfg_in, *cfg = &cfg_storage;
    memset(app, 0, sizeof(*app));
    app->cfg = cfg;

    if (!cfg->headless && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
        fprintf(stderr, "schedwatch: the live screen needs a terminal on standard input and "
                "output; without one, use --headless (e.g. --headless -d 10s --json run.json)\n");
        return 2;
    }

    struct sampler_opts so = { .proc_root = cfg->proc_root };
    int r = sampler_new(&so, &app->sampler);
    if (r < 0) {
        fprintf(stderr, "schedwatch: cannot read %s: %s (is the proc file system mounted? "
                "see --proc-root)\n", cfg->proc_root, strerror(-r));
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
        r = ui_new(&uo, &app->ui);
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
    app__take_sample(app);

    r = ui_term_start(app->ui);
    if (r < 0) {
        fprintf(stderr, "schedwatch: %s\n", ui_last_error(app->ui));
        status = r == -ENOTTY || r == -EINVAL ? 2 : 1;
        goto out_close_loop;
    }
    app__maybe_crash_for_test();

    app__signal_start(app, &app->sig_winch, SIGWINCH);
    app__start_timers_and_signals(app, cfg);

    uv_prepare_init(&app->loop, &app->frame);
    app->frame.data = app;
    uv_prepare_start(&app->frame, app__on_frame);

    uv_poll_init(&app->loop, &app->input, ui_input_fd(app->ui));
    app->input.data = app;
    uv_poll_start(&app->input, UV_READABLE, app__on_input);

    ui_frame(app->ui);
    uv_run(&app->loop, UV_RUN_DEFAULT);
    status = app->status;

    ui_term_stop(app->ui);
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
    if (app->signo != 0) {
        /* Die of the signal that ended us, so the parent sees the truth. */
        signal(app->signo, SIG_DFL);
        raise(app->signo);
    }
    return status;
}
