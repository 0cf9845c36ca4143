/*
 * lesson_view.h — the lesson strip: the step's title, its caption and a mark
 * per expectation (✓ holds, ✗ fails, … pending with why, – skipped with
 * why), drawn at the bottom of the screen above the status and footer.
 */
#ifndef SW_UI_LESSON_VIEW_H
#define SW_UI_LESSON_VIEW_H

#include "ui/widgets.h"

struct player;

/* Draws the strip so that its last row is bottom - 1, at most max_h rows;
 * returns the rows it took (0 when p is NULL or there is no room). */
int lesson_view_draw(const struct player *p, const struct widgets_ctx *x, int bottom, int max_h);

/* A box in the middle of the screen with text (lines split on '\n'), a
 * title on its frame and "press KEY to close" under it; for the comparison
 * table. */
void lesson_view_overlay(const struct widgets_ctx *x, const char *title, const char *text);

#endif
