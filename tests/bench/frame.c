/*
 * bench/frame.c — what one frame of the model panels costs: composing the
 * whole screen into the canvas (header, four panels with their histories,
 * fairness line, footer) and diffing it against what the terminal shows, as
 * ui_frame() does before curses writes the changed cells. The figures change
 * every frame (a new sample each time), so the diff has work to do.
 *
 *   tests/bench/frame [--width W] [--height H] [--frames N] [--models N]
 *
 * Prints the median, p99 and mean time of one frame (compose + diff), and of
 * one ui_set_models + ui_set_sample (the copy into the history ring), in
 * microseconds, with the command that reproduces them. The curses write of
 * the changed cells is not included (it depends on the terminal).
 */
#include "config.h"

#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/canvas.h"
#include "ui/ui.h"
#include "ui_fixture.h"
#include "util.h"

static int bench__cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

static void bench__diff_cb(void *arg, int x, int y, const struct canvas_cell *cells, int n)
{
    (void)x;
    (void)y;
    (void)cells;
    *(long *)arg += n;
}

static void bench__report(const char *what, uint64_t *ns, int n)
{
    double sum = 0;

    qsort(ns, (size_t)n, sizeof(*ns), bench__cmp);
    for (int i = 0; i < n; i++)
        sum += (double)ns[i];
    printf("%-22s median %8.1f us   p99 %8.1f us   mean %8.1f us\n", what, ns[n / 2] / 1e3,
           ns[n * 99 / 100] / 1e3, sum / n / 1e3);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "width", required_argument, NULL, 'W' }, { "height", required_argument, NULL, 'H' },
        { "frames", required_argument, NULL, 'n' }, { "models", required_argument, NULL, 'm' },
        { NULL, 0, NULL, 0 },
    };
    int w = 200, h = 60, frames = 2000, nmodels = 4, o;
    struct ui_opts uo = { .interval_ns = 100000000 };
    struct ui_fixture_run r;
    struct ui *ui;
    struct canvas *c;
    uint64_t *frame_ns, *push_ns;
    long cells = 0;
    int ntasks[] = { 3 };

    setlocale(LC_ALL, "C.UTF-8");
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'W': w = atoi(optarg); break;
        case 'H': h = atoi(optarg); break;
        case 'n': frames = atoi(optarg); break;
        case 'm': nmodels = atoi(optarg); break;
        default:
            fprintf(stderr, "usage: %s [--width W] [--height H] [--frames N] [--models N]\n",
                    argv[0]);
            return 2;
        }
    }
    frames = MAX(frames, 10);
    nmodels = CLAMP(nmodels, 1, 4);
    if (ui_new(&uo, &ui) < 0)
        return 1;
    c = canvas_new(w, h);
    frame_ns = xcalloc((size_t)frames, sizeof(*frame_ns));
    push_ns = xcalloc((size_t)frames, sizeof(*push_ns));
    ui_fixture_run_init(&r, nmodels, WORK_IO);
    for (int i = 0; i < frames + 100; i++) {
        struct ui_fixture f;
        uint64_t t0, t1, t2;

        /* Figures that move, so every frame differs from the last. */
        for (int m = 0; m < nmodels; m++) {
            r.f[m].units_per_s = 300 + (i * 7 + m * 13) % 100;
            r.f[m].cores = (float)((i + m) % 20) / 10.0f;
            r.f[m].on_core[0] = (float)(i % 10) / 10.0f;
            r.f[m].lat_p99_ms = 20 + i % 30;
        }
        ui_fixture_init(&f, 2, 0, ntasks, true, (unsigned)i + 1);
        f.s.m.t_ns = 100000000ull * (uint64_t)(i + 1);
        t0 = util_now_ns();
        ui_set_models(ui, &r.in);
        ui_set_sample(ui, &f.s, i == 0 ? &f.caps : NULL);
        t1 = util_now_ns();
        ui_render(ui, c);
        canvas_diff(c, bench__diff_cb, &cells);
        t2 = util_now_ns();
        ui_fixture_free(&f);
        if (i >= 100) {             /* after the histories filled a little */
            push_ns[i - 100] = t1 - t0;
            frame_ns[i - 100] = t2 - t1;
        }
    }
    printf("one frame of %d model panels at %dx%d, %d frames (cells changed per frame: %.0f)\n",
           nmodels, w, h, frames, (double)cells / (frames + 100));
    bench__report("frame (compose+diff)", frame_ns, frames);
    bench__report("sample into the ring", push_ns, frames);
    printf("command: %s --width %d --height %d --frames %d --models %d\n", argv[0], w, h, frames,
           nmodels);
    free(frame_ns);
    free(push_ns);
    canvas_free(c);
    ui_free(ui);
    return 0;
}
