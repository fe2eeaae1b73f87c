/*
 * nestbox-init: a sandbox's PID 1 (server/sandbox/init.ts says why a sandbox needs one).
 *
 * Usage: nestbox-init [--respawn] -- COMMAND [ARG...]
 *
 * Runs COMMAND as its child, in a process group of its own that it makes the terminal's
 * foreground when stdin is a terminal; reaps every process the kernel hands it (orphans of the
 * sandbox's PID namespace), on SIGCHLD and once a second besides; passes every signal it is sent
 * on to COMMAND; and exits with COMMAND's status, which ends the sandbox.
 *
 * With --respawn (a learner's first terminal), COMMAND is started again when a signal the init did
 * not pass on kills it: `kill -9 -1` typed in another tab, `pkill bash`, or the OOM killer then
 * cost the learner a shell, not the session with its files and background jobs. A COMMAND that
 * exits (`exit`, Ctrl-D), or dies of SIGHUP (its terminal hung up), or of a signal the init was
 * sent (`kill 1`), ends the init as without --respawn. So does one that keeps dying at once
 * (QUICK_DEATHS in a row), so a shell whose startup kills it is not restarted for ever.
 *
 * Static (scripts/build-helpers.mjs), so that it runs on any image; the sandbox gets it as a
 * read-only bind mount (init.ts).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* A COMMAND that dies this soon after it started died "at once"... */
#define QUICK_DEATH_SECONDS 2
/* ...and after this many such deaths in a row it is not started again. */
#define QUICK_DEATHS 3

static sigset_t all_signals;
/* The mask the init was started with, which COMMAND gets back. */
static sigset_t original_mask;
/* Signals the init passed on to COMMAND: a death by one of them was asked for, not an accident. */
static sigset_t passed_on;

static void usage(void) {
    fputs("usage: nestbox-init [--respawn] -- COMMAND [ARG...]\n", stderr);
}

static double now_seconds(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

/* Forks COMMAND into a process group of its own, the terminal's foreground one. Returns its pid,
 * or -1 when fork fails. */
static pid_t start(char **command) {
    pid_t pid = fork();
    if (pid != 0) {
        /* Also here, so that the group exists whichever of parent and child runs first. */
        if (pid > 0) setpgid(pid, pid);
        return pid;
    }
    setpgid(0, 0);
    /* SIGTTOU is still blocked (inherited), so a background group may take the terminal. */
    if (isatty(STDIN_FILENO)) tcsetpgrp(STDIN_FILENO, getpid());
    sigprocmask(SIG_SETMASK, &original_mask, NULL);
    execvp(command[0], command);
    fprintf(stderr, "nestbox-init: cannot run %s: %s\n", command[0], strerror(errno));
    _exit(errno == ENOENT ? 127 : 126);
}

/* Reaps every child that has ended. Returns 1 and sets *status when one of them was `command`. */
static int reap(pid_t command, int *status) {
    int found = 0;
    for (;;) {
        int wait_status;
        pid_t pid = waitpid(-1, &wait_status, WNOHANG);
        if (pid <= 0) return found;
        if (pid == command) {
            *status = wait_status;
            found = 1;
        }
    }
}

/* Waits for `command` to end, reaping and passing signals on meanwhile. Returns its wait status. */
static int supervise(pid_t command) {
    const struct timespec a_second = {1, 0};
    for (;;) {
        siginfo_t info;
        int signal_number = sigtimedwait(&all_signals, &info, &a_second);
        if (signal_number > 0 && signal_number != SIGCHLD) {
            sigaddset(&passed_on, signal_number);
            kill(command, signal_number);
        }
        int status;
        if (reap(command, &status)) return status;
    }
}

static int exit_code(int status) {
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char **argv) {
    int respawn = 0;
    int first = 1;
    if (first < argc && strcmp(argv[first], "--respawn") == 0) respawn = 1, first++;
    if (first >= argc - 1 || strcmp(argv[first], "--") != 0) {
        usage();
        return 2;
    }
    char **command = argv + first + 1;

    /* Every signal is taken by sigtimedwait, none by a handler: a signal blocked in PID 1 still
     * reaches it, where one left at its default action would be dropped. */
    sigfillset(&all_signals);
    sigemptyset(&passed_on);
    sigprocmask(SIG_BLOCK, &all_signals, &original_mask);

    /* The terminal's modes at start, restored before a restart: the killed program may have left
     * the terminal raw or without echo. */
    struct termios modes;
    int have_modes = tcgetattr(STDIN_FILENO, &modes) == 0;

    int quick_deaths = 0;
    for (;;) {
        double started = now_seconds();
        pid_t pid = start(command);
        if (pid < 0) {
            fprintf(stderr, "nestbox-init: cannot start %s: %s\n", command[0], strerror(errno));
            return 1;
        }
        int status = supervise(pid);
        if (!respawn || !WIFSIGNALED(status)) return exit_code(status);
        int signal_number = WTERMSIG(status);
        if (signal_number == SIGHUP || sigismember(&passed_on, signal_number))
            return exit_code(status);
        quick_deaths = now_seconds() - started < QUICK_DEATH_SECONDS ? quick_deaths + 1 : 0;
        if (have_modes) tcsetattr(STDIN_FILENO, TCSANOW, &modes);
        if (quick_deaths >= QUICK_DEATHS) {
            fprintf(stderr,
                    "\nnestbox-init: %s was killed (%s) %d times in a row right after it started; "
                    "not starting it again.\n",
                    command[0], strsignal(signal_number), quick_deaths);
            return exit_code(status);
        }
        fprintf(stderr, "\nnestbox-init: %s was killed (%s); starting a new one.\n", command[0],
                strsignal(signal_number));
    }
}
