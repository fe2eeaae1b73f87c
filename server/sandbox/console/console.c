/*
 * nestbox-console: hands the pty it runs in to a sandbox, whose shell then uses it as its own
 * terminal. No process copies bytes in between: a key written by the server reaches the shell
 * through one pty, as with any local terminal.
 *
 * Usage: nestbox-console UID GID -- RUNTIME_ARGV...
 *
 * node-pty starts us as the leader of a new session, with the pty as that session's controlling
 * terminal. The shell runs in a session of its own (crun run calls setsid; for crun exec the
 * sandbox's `setsid` does), and a terminal is the controlling terminal of one session at most.
 * So we:
 *   1. give the pty to the sandbox's root (UID:GID, the host ids its root maps to), so that the
 *      shell may open it again: a session leader without a controlling terminal that opens one
 *      gets it as its own (see controlling-terminal.ts, which wraps the shell's command for this);
 *   2. give up our session's claim on it (TIOCNOTTY), ignoring the SIGHUP this sends to our own
 *      process group;
 *   3. ask for short scheduler slices (below), which the terminal's shell and everything it
 *      starts inherit (a learner may ask for a longer one back: that only costs their own shell);
 *   4. exec the runtime, which passes the pty on as the shell's stdin, stdout and stderr.
 * Everything else a terminal needs then comes from the kernel: echo and line editing, Ctrl-C and
 * Ctrl-Z to the shell's foreground job, SIGWINCH when node-pty resizes the pty, and the
 * backpressure of a pty that nobody reads.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The slice a terminal's shell and everything it starts run in: the shortest EEVDF allows
 * (Linux 6.12+). With the default one (a few ms), a learner's shell woken on a CPU where a
 * neighbour's memory bomb runs waits until the bomb's slice ends, which the kernel notices only at
 * its next tick (4 ms at HZ=250); a task whose slice is over is preempted at the wake-up. The
 * rest of that wait, when the woken shell is not yet due, is busy-demotion.ts's to take
 * (bench/README.md, soak). Older kernels ignore the runtime of an ordinary task. */
#define SLICE_NS 100000ULL

/* struct sched_attr of sched_setattr(2), first version; glibc has no wrapper for it. */
struct sched_attr_v0 {
    uint32_t size;
    uint32_t sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime;
    uint64_t sched_deadline;
    uint64_t sched_period;
};

/* Best effort: a kernel or seccomp filter that refuses leaves the default slice, which works.
 * The policy and nice value stay as the server's. */
static void ask_for_short_slices(void) {
    struct sched_attr_v0 attr;
    if (syscall(SYS_sched_getattr, 0, &attr, sizeof attr, 0) < 0) return;
    if (attr.sched_policy != 0) return; /* not SCHED_OTHER: slices do not apply */
    attr.size = sizeof attr;
    attr.sched_flags = 0;
    attr.sched_runtime = SLICE_NS;
    syscall(SYS_sched_setattr, 0, &attr, 0);
}

static void die(const char *what) {
    fprintf(stderr, "nestbox-console: %s: %s\r\n", what, strerror(errno));
    exit(125);
}

static unsigned long parse_id(const char *text) {
    char *end;
    errno = 0;
    unsigned long id = strtoul(text, &end, 10);
    if (errno || *end != '\0' || end == text || id > 0xfffffffeUL) {
        fprintf(stderr, "nestbox-console: not a uid or gid: %s\r\n", text);
        exit(125);
    }
    return id;
}

int main(int argc, char **argv) {
    if (argc < 5 || strcmp(argv[3], "--") != 0) {
        fprintf(stderr, "usage: nestbox-console UID GID -- RUNTIME_ARGV...\n");
        return 125;
    }
    uid_t uid = (uid_t)parse_id(argv[1]);
    gid_t gid = (gid_t)parse_id(argv[2]);
    if (!isatty(STDIN_FILENO)) {
        fprintf(stderr, "nestbox-console: stdin is not a terminal; run it in a pty\r\n");
        return 125;
    }
    if (fchown(STDIN_FILENO, uid, gid) < 0) die("chown the pty");
    struct sigaction ignore = {.sa_handler = SIG_IGN}, previous;
    sigemptyset(&ignore.sa_mask);
    if (sigaction(SIGHUP, &ignore, &previous) < 0) die("sigaction");
    if (ioctl(STDIN_FILENO, TIOCNOTTY) < 0) die("release the pty");
    if (sigaction(SIGHUP, &previous, NULL) < 0) die("sigaction");
    ask_for_short_slices();
    execvp(argv[4], argv + 4);
    fprintf(stderr, "nestbox-console: cannot run %s: %s\r\n", argv[4], strerror(errno));
    return 127;
}
