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
 * not pass on kills it: `kill -9 -1` typed in another tab, `pkill -9 bash`, or the OOM killer then
 * cost the learner a shell, not the session with its files. A COMMAND that exits (`exit`,
 * Ctrl-D), or dies of SIGHUP (its terminal hung up), or of a signal that was sent to the init and
 * passed on, ends the init as without --respawn. So does one that keeps dying at once
 * (QUICK_DEATHS in a row), so a shell whose startup kills it is not restarted for ever.
 *
 * Before a restart the init stands in for two rules of the kernel that cannot apply here, since
 * the init is the terminal's session leader and the parent, in the same session, of every job
 * the dead shell left: SIGHUP and SIGCONT to the terminal's foreground group (what a dying session
 * leader's terminal sends), and to every group of its session with a stopped process (what a
 * group orphaned with stopped members gets). Otherwise a foreground job would fight the new shell
 * for the terminal, and a stopped one stay stopped for ever. Background jobs that run go on; one
 * that later reads the terminal is stopped by it and stays so (no group of the init's session is
 * ever orphaned).
 *
 * The init never blocks on the terminal: output stopped with Ctrl-S would stop it, and with it all
 * reaping. The new shell's process says why it was started, before it execs; the init's own last
 * words go out without blocking, or not at all.
 *
 * Compiled statically (init.ts compileInit) into the image at /usr/local/sbin/nestbox-init, so that
 * it needs none of the image's libraries.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* A COMMAND that dies this soon after it started died "at once"... */
#define QUICK_DEATH_SECONDS 2
/* ...and after this many such deaths in a row it is not started again. */
#define QUICK_DEATHS 3
/* fork() may fail for a moment when the pids limit is full (a fork bomb still running). */
#define FORK_RETRY_SECONDS 5

static sigset_t all_signals;
/* The mask the init was started with, which COMMAND gets back. */
static sigset_t original_mask;
/* Signals passed on to the running COMMAND: a death by one of them was asked for. */
static sigset_t passed_on;

static void usage(void) {
    fputs("usage: nestbox-init [--respawn] -- COMMAND [ARG...]\n", stderr);
}

static double now_seconds(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
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

/* Forks COMMAND into a process group of its own, the terminal's foreground one, which first
 * prints `notice` when there is one. Returns its pid, or -1 with errno when fork fails. */
static pid_t start(char **command, const char *notice) {
    pid_t pid = fork();
    if (pid != 0) {
        /* Also here, so that the group exists whichever of parent and child runs first. */
        if (pid > 0) setpgid(pid, pid);
        return pid;
    }
    setpgid(0, 0);
    /* SIGTTOU is still blocked (inherited), so a background group may take the terminal. */
    if (isatty(STDIN_FILENO)) tcsetpgrp(STDIN_FILENO, getpid());
    if (notice) fputs(notice, stderr);
    sigprocmask(SIG_SETMASK, &original_mask, NULL);
    execvp(command[0], command);
    fprintf(stderr, "nestbox-init: cannot run %s: %s\n", command[0], strerror(errno));
    _exit(errno == ENOENT ? 127 : 126);
}

/* start(), tried again for FORK_RETRY_SECONDS while fork fails with EAGAIN: the pids limit is
 * full for now, and reaping is what frees pids. A signal the init is sent meanwhile has no command
 * to go to: it ends the init, as it would have ended the command (*stopped_by, 0 otherwise).
 * Returns the pid, or -1. */
static pid_t start_when_possible(char **command, const char *notice, int *stopped_by) {
    double deadline = now_seconds() + FORK_RETRY_SECONDS;
    *stopped_by = 0;
    for (;;) {
        pid_t pid = start(command, notice);
        if (pid >= 0 || errno != EAGAIN || now_seconds() >= deadline) return pid;
        const struct timespec pause = {0, 100 * 1000 * 1000};
        siginfo_t info;
        int signal_number = sigtimedwait(&all_signals, &info, &pause);
        int unused;
        reap(-1, &unused);
        if (signal_number > 0 && signal_number != SIGCHLD) {
            *stopped_by = signal_number;
            return -1;
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

/* SIGHUP and SIGCONT to `group`, as a hangup sends them. */
static void hang_up(pid_t group) {
    kill(-group, SIGHUP);
    kill(-group, SIGCONT);
}

/* After the shell died: hangs up the terminal's foreground job, and every stopped job of the
 * init's session (the dead shell's), found in `proc`, the sandbox's /proc as it was when the init
 * started, so that a learner who mounts over /proc does not hide them all. (One who mounts over a
 * single /proc/N/stat can hide that job, or steer the signals elsewhere in the same sandbox: it is
 * theirs either way.) Stat files are opened without blocking, so that not even a FIFO bound over
 * one can stop the init. */
static void hang_up_jobs(int proc) {
    pid_t own_group = getpgrp();
    pid_t own_session = getsid(0);
    pid_t foreground = isatty(STDIN_FILENO) ? tcgetpgrp(STDIN_FILENO) : -1;
    if (foreground > 0 && foreground != own_group) hang_up(foreground);

    if (proc < 0) return;
    int listing = openat(proc, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *processes = listing < 0 ? NULL : fdopendir(listing);
    if (!processes) {
        if (listing >= 0) close(listing);
        return;
    }
    struct dirent *entry;
    while ((entry = readdir(processes)) != NULL) {
        int pid = atoi(entry->d_name);
        if (pid <= 1) continue;
        char path[32], stat[512];
        snprintf(path, sizeof path, "%d/stat", pid);
        int file = openat(proc, path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (file < 0) continue; /* it ended meanwhile */
        ssize_t length = read(file, stat, sizeof stat - 1);
        close(file);
        if (length <= 0) continue;
        stat[length] = '\0';
        /* "pid (comm) state ppid pgrp session ...": comm may hold anything, ')' included. */
        char *after_comm = strrchr(stat, ')');
        char state;
        int parent, group, session;
        if (!after_comm ||
            sscanf(after_comm + 1, " %c %d %d %d", &state, &parent, &group, &session) != 4)
            continue;
        if (state == 'T' && session == own_session && group != own_group) hang_up(group);
    }
    closedir(processes);
}

/* Where the init's last words go: stderr opened again, at start, as a non-blocking description of
 * its own (the flag on stderr's own description would reach the shell, which shares it). -1 when
 * that failed. */
static int last_words = -1;

/* Says why the init ends, without blocking on a terminal whose output is stopped: lost then. */
static void say_last(const char *message) {
    if (last_words >= 0) {
        ssize_t unused = write(last_words, message, strlen(message));
        (void)unused;
    } else if (!isatty(STDERR_FILENO)) {
        fputs(message, stderr);
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
    sigprocmask(SIG_BLOCK, &all_signals, &original_mask);

    /* The terminal's modes at start, restored before a restart: the killed program may have left
     * the terminal raw or without echo. */
    struct termios modes;
    int have_modes = tcgetattr(STDIN_FILENO, &modes) == 0;
    int proc = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (proc >= 0)
        last_words = openat(proc, "self/fd/2", O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

    char notice[512];
    const char *why_again = NULL;
    int quick_deaths = 0;
    for (;;) {
        sigemptyset(&passed_on);
        int stopped_by;
        pid_t pid = start_when_possible(command, why_again, &stopped_by);
        if (stopped_by) return 128 + stopped_by;
        if (pid < 0) {
            snprintf(notice, sizeof notice, "\nnestbox-init: cannot start %s: %s\n", command[0],
                     strerror(errno));
            say_last(notice);
            return 1;
        }
        double started = now_seconds();
        int status = supervise(pid);
        if (!respawn || !WIFSIGNALED(status)) return exit_code(status);
        int signal_number = WTERMSIG(status);
        if (signal_number == SIGHUP || sigismember(&passed_on, signal_number))
            return exit_code(status);
        quick_deaths = now_seconds() - started < QUICK_DEATH_SECONDS ? quick_deaths + 1 : 0;
        if (quick_deaths >= QUICK_DEATHS) {
            snprintf(notice, sizeof notice,
                     "\nnestbox-init: %s was killed (%s) %d times in a row right after it started; "
                     "not starting it again.\n",
                     command[0], strsignal(signal_number), quick_deaths);
            say_last(notice);
            return exit_code(status);
        }

        hang_up_jobs(proc);
        if (have_modes) {
            tcsetattr(STDIN_FILENO, TCSANOW, &modes);
            /* Output stopped with Ctrl-S or tcflow: TCOON alone restarts only the latter. */
            tcflow(STDIN_FILENO, TCOOFF);
            tcflow(STDIN_FILENO, TCOON);
            tcflush(STDIN_FILENO, TCIFLUSH); /* keys typed for the dead shell */
        }
        snprintf(notice, sizeof notice, "\nnestbox-init: %s was killed (%s); starting a new one.\n",
                 command[0], strsignal(signal_number));
        why_again = notice;
    }
}
