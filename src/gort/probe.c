/*
 * probe.c — the probe board (gort_probe.h): laying it out at start, and the reader's side:
 * copying a live board word by word and summing the per-M counters.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "gort/gort_int.h"

#define PROBE_P_OFF (sizeof(struct gort_probe_hdr))
#define PROBE_M_OFF (PROBE_P_OFF + GORT_PROBE_MAX_P * sizeof(struct gort_probe_p))
#define PROBE_G_OFF (PROBE_M_OFF + GORT_PROBE_MAX_M * sizeof(struct gort_probe_m))

_Static_assert(sizeof(struct gort_probe_hdr) % 8 == 0, "hdr size");
_Static_assert(sizeof(struct gort_probe_p) % 8 == 0, "p row size");
_Static_assert(sizeof(struct gort_probe_m) % 8 == 0, "m row size");
_Static_assert(sizeof(struct gort_probe_g) % 8 == 0, "g row size");

size_t gort_probe_size(uint32_t nslots)
{
    return PROBE_G_OFF + (size_t)nslots * sizeof(struct gort_probe_g);
}

uint32_t gort_probe_slots_for(size_t len)
{
    size_t n;

    if (len < PROBE_G_OFF)
        return 0;
    n = (len - PROBE_G_OFF) / sizeof(struct gort_probe_g);
    return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

void gort__probe_init(void)
{
    struct gort_probe_hdr *h = gort__sched.board;
    uint64_t *w = gort__sched.board;
    size_t len = gort_probe_size(gort__sched.nslots);

    /* The board may be shared and already read: clear it word by word, magic first. */
    st_rel(&h->magic, 0);
    for (size_t i = 1; i < len / 8; i++)
        st_rlx(&w[i], 0);
    st_rlx(&h->hdr_size, (uint32_t)sizeof(struct gort_probe_hdr));
    st_rlx(&h->p_size, (uint32_t)sizeof(struct gort_probe_p));
    st_rlx(&h->m_size, (uint32_t)sizeof(struct gort_probe_m));
    st_rlx(&h->g_size, (uint32_t)sizeof(struct gort_probe_g));
    st_rlx(&h->max_p, GORT_PROBE_MAX_P);
    st_rlx(&h->max_m, GORT_PROBE_MAX_M);
    st_rlx(&h->nslots, gort__sched.nslots);
    st_rlx(&h->p_off, (uint32_t)PROBE_P_OFF);
    st_rlx(&h->m_off, (uint32_t)PROBE_M_OFF);
    st_rlx(&h->g_off, (uint32_t)PROBE_G_OFF);
    st_rlx(&h->pid, (uint32_t)getpid());
    st_rlx(&h->start_ns, gort__now());
    st_rlx(&h->stack_size, (uint64_t)GORT_STACK_SIZE);
    for (uint32_t i = 0; i < gort__sched.nslots; i++) {
        struct gort_probe_g *g = (struct gort_probe_g *)((char *)h + PROBE_G_OFF) + i;
        st_rlx(&g->p, -1);
        st_rlx(&g->m, -1);
        st_rlx(&g->cpu, -1);
    }
    st_rlx(&h->version, GORT_PROBE_VERSION);
    st_rel(&h->magic, GORT_PROBE_MAGIC);
    gort__sched.probe = h;
}

void gort__probe_fini(void)
{
    gort__sched.probe = NULL;
}

int gort_probe_copy(void *dst, size_t dstlen, const void *src, size_t srclen)
{
    const struct gort_probe_hdr *h = dst;
    const uint64_t *s = src;
    uint64_t *d = dst;

    if (dstlen < srclen)
        return -ENOSPC;
    if (srclen < sizeof(struct gort_probe_hdr) || ((uintptr_t)src & 7))
        return -EINVAL;
    for (size_t i = 0; i < srclen / 8; i++)
        d[i] = __atomic_load_n(&s[i], __ATOMIC_RELAXED);
    if (h->magic != GORT_PROBE_MAGIC || h->version != GORT_PROBE_VERSION ||
        h->hdr_size != sizeof(struct gort_probe_hdr) ||
        h->p_size != sizeof(struct gort_probe_p) || h->m_size != sizeof(struct gort_probe_m) ||
        h->g_size != sizeof(struct gort_probe_g) || h->max_p != GORT_PROBE_MAX_P ||
        h->max_m != GORT_PROBE_MAX_M || gort_probe_size(h->nslots) > srclen)
        return -EINVAL;
    return 0;
}

static uint64_t probe__clamp(int64_t v)
{
    return v < 0 ? 0 : (uint64_t)v;
}

void gort_probe_totals(const void *board, struct gort_probe_totals *out)
{
    const struct gort_probe_hdr *h = board;
    int64_t st[GORT_PG_NSTATES] = {0}, wt[GORT_PW_NREASONS] = {0};

    memset(out, 0, sizeof(*out));
    for (uint32_t i = 0; i < h->max_m; i++) {
        const struct gort_probe_m *m = gort_probe_mrow(board, i);
        out->switches += m->switches;
        out->spawns += m->spawns;
        out->preemptions += m->preemptions;
        out->netpoll_wakes += m->netpoll_wakes;
        out->handoffs += m->handoffs;
        out->steals += m->steals;
        for (int k = 0; k < GORT_PROBE_NUSER; k++)
            out->user[k] += m->user[k];
        for (int k = 0; k < GORT_PG_NSTATES; k++)
            st[k] += m->gstate[k];
        for (int k = 0; k < GORT_PW_NREASONS; k++)
            wt[k] += m->wait[k];
        if (i == h->max_m - 1)
            continue; /* sysmon's row */
        switch (m->state) {
        case GORT_PM_RUNNING:
            out->ms_running++;
            break;
        case GORT_PM_SPINNING:
            out->ms_spinning++;
            break;
        case GORT_PM_IDLE:
            out->ms_idle++;
            break;
        case GORT_PM_SYSCALL:
            out->ms_syscall++;
            break;
        default:
            break;
        }
    }
    for (int k = 0; k < GORT_PG_NSTATES; k++)
        out->gstate[k] = probe__clamp(st[k]);
    for (int k = 0; k < GORT_PW_NREASONS; k++)
        out->wait[k] = probe__clamp(wt[k]);
}
