/*
 * pty.h — drive a full-screen program in a pseudo-terminal and read its
 * screen back, for tests.
 *
 * The program runs on the slave side of a fresh pty of a given size; its
 * output is pumped into libvterm, which keeps the screen a real terminal
 * would show (alternate screen, cursor visibility included). Tests send keys,
 * wait for text to appear (polling with a deadline, never a fixed sleep),
 * resize the terminal (the program gets SIGWINCH), and after the program
 * exits check that it gave the terminal back: main screen, visible cursor,
 * and the termios it found (read on the master side: on Linux both sides of
 * a pty share one termios).
 *
 * Timeouts are generous (a loaded CI machine is slow); they bound a failure,
 * they do not measure anything.
 */
#ifndef SW_TESTS_PTY_H
#define SW_TESTS_PTY_H

#include <stdbool.h>
#include <sys/types.h>
#include <termios.h>

struct pty;

/* Keys as a terminal sends them (xterm, normal cursor mode). */
#define PTY_KEY_UP "\033[A"
#define PTY_KEY_DOWN "\033[B"
#define PTY_KEY_RIGHT "\033[C"
#define PTY_KEY_LEFT "\033[D"
#define PTY_KEY_ESC "\033"
#define PTY_KEY_ENTER "\r"

/*
 * Starts argv[0] (a path) in a cols x rows pty. The child gets TERM=xterm-
 * 256color and LC_ALL=C.UTF-8 and no LINES/COLUMNS; env (NULL or a NULL-
 * terminated list) then applies "NAME=VALUE" (set) or "NAME" (unset).
 * Returns 0 or -errno.
 */
int pty_spawn(struct pty **out, const char *const argv[], int cols, int rows,
              const char *const env[]);

/* Kills the child if it still runs (SIGKILL), reaps it, frees everything. */
void pty_free(struct pty *p);

pid_t pty_pid(const struct pty *p);

/* Writes bytes to the program's input. Returns 0 or -errno. */
int pty_send(struct pty *p, const char *bytes);

/* Reads what the program wrote for up to timeout_ms (returns early on
 * output). Returns the bytes read, 0 on timeout, -EIO once the program
 * closed the terminal. */
int pty_pump(struct pty *p, int timeout_ms);

/* Bytes the program has written so far. */
unsigned long pty_bytes(const struct pty *p);

/* Pumps until the screen contains needle (true) or timeout_ms passes. */
bool pty_wait_for(struct pty *p, const char *needle, int timeout_ms);
/* Pumps until the screen no longer contains needle. */
bool pty_wait_gone(struct pty *p, const char *needle, int timeout_ms);

/* The screen as UTF-8: rows joined by '\n', trailing blanks trimmed. Freed
 * by the caller. */
char *pty_screen_text(struct pty *p);
bool pty_screen_contains(struct pty *p, const char *needle);

/* Resizes the terminal (TIOCSWINSZ: the program gets SIGWINCH) and the
 * emulated screen. Returns 0 or -errno. */
int pty_resize(struct pty *p, int cols, int rows);

/* Pumps output until the program exits, then reaps it. Returns 0 with the
 * wait status in *status, or -ETIMEDOUT (the program still runs). */
int pty_wait_exit(struct pty *p, int timeout_ms, int *status);

/* Terminal state as the emulator sees it. */
bool pty_altscreen(const struct pty *p);
bool pty_cursor_visible(const struct pty *p);

/* The pty's termios now, and as it was before the program started. */
int pty_termios(const struct pty *p, struct termios *now);
const struct termios *pty_termios_initial(const struct pty *p);
/* True if the line discipline is back to what the program found: canonical
 * mode, echo, signals, CR/NL mapping and output processing. */
bool pty_termios_restored(const struct pty *p);

#endif
