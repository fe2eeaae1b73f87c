/*
 * nestbox-relay: bridges an OCI runtime's console to this process's own stdio.
 *
 * Usage: nestbox-relay SOCKET_PATH -- RUNTIME_ARGV...
 *
 * With `process.terminal: true`, crun allocates the container's pty and sends the master end
 * over a unix socket (--console-socket) as SCM_RIGHTS. Node cannot receive file descriptors,
 * so this helper does it: it listens on SOCKET_PATH, starts the runtime, receives the master,
 * and then copies bytes between the master and its own stdin/stdout (in Nestbox, node-pty's
 * pty). On SIGWINCH it copies its own window size to the master, so a resize of the outer
 * terminal reaches `stty size` inside. It exits with the runtime's exit status.
 *
 * Flow control comes for free: when the reader of our stdout stops reading, we stop reading
 * the master, and the container's writes block in its pty.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static volatile sig_atomic_t window_changed = 1;
static struct termios saved_termios;
static int stdin_is_tty;

static void on_sigwinch(int sig) {
    (void)sig;
    window_changed = 1;
}

static void die(const char *what) {
    fprintf(stderr, "nestbox-relay: %s: %s\r\n", what, strerror(errno));
    exit(125);
}

static int stdout_flags = -1;

/* Our stdout may be the user's own terminal (nestbox shell): leave it as we found it. */
static void restore_stdout_flags(void) {
    if (stdout_flags >= 0) fcntl(STDOUT_FILENO, F_SETFL, stdout_flags);
}

static void restore_terminal(void) {
    if (stdin_is_tty) tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
}

/* The outer pty must pass every byte through untouched: the container's pty does the line
 * discipline (echo, Ctrl-C to SIGINT, Ctrl-Z), exactly as ssh does with its local terminal. */
static void make_stdin_raw(void) {
    stdin_is_tty = isatty(STDIN_FILENO);
    if (!stdin_is_tty) return;
    if (tcgetattr(STDIN_FILENO, &saved_termios) < 0) die("tcgetattr");
    struct termios raw = saved_termios;
    cfmakeraw(&raw);
    if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) < 0) die("tcsetattr");
    atexit(restore_terminal);
}

static int listen_on(const char *path) {
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(addr.sun_path)) {
        errno = ENAMETOOLONG;
        die("console socket path");
    }
    strcpy(addr.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket");
    unlink(path);
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) die("bind console socket");
    if (listen(fd, 1) < 0) die("listen");
    return fd;
}

/* Receives the pty master that crun sends as ancillary data. Returns -1 if the runtime
 * closed the connection without sending one (it failed before creating the container). */
static int receive_fd(int listener, pid_t runtime, int *runtime_status) {
    struct pollfd pfd = {.fd = listener, .events = POLLIN};
    for (;;) {
        int ready = poll(&pfd, 1, 200);
        if (ready < 0 && errno != EINTR) die("poll console socket");
        if (ready > 0) break;
        /* The runtime may fail before it ever connects; then there is nothing to wait for. */
        if (waitpid(runtime, runtime_status, WNOHANG) == runtime) return -2;
    }
    int conn = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
    if (conn < 0) die("accept console socket");
    char data[256];
    char control[CMSG_SPACE(sizeof(int))];
    struct iovec iov = {.iov_base = data, .iov_len = sizeof(data)};
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof(control)};
    ssize_t n;
    do n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    close(conn);
    if (n < 0) die("recvmsg console socket");
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
    if (!cmsg || cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS) return -1;
    int fd;
    memcpy(&fd, CMSG_DATA(cmsg), sizeof(fd));
    return fd;
}

static void copy_window_size(int master) {
    struct winsize ws;
    if (stdin_is_tty && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0) ioctl(master, TIOCSWINSZ, &ws);
}

/*
 * Copies bytes both ways until the container's pty closes. Each direction holds one read at a
 * time and writes it as the other side accepts it, never blocking: when the reader of our stdout
 * pauses (Nestbox's flow control), we stop reading the container's output, so the shell blocks,
 * yet a Ctrl-C typed meanwhile still reaches it at once; and when the container's pty is full of
 * input (its program is busy, or blocked writing output), we stop reading our stdin but go on
 * relaying output, so a program that writes before it reads again (cat) is never stuck.
 */
static void relay(int master) {
    char in[4096];
    char out[16384];
    size_t in_len = 0, in_pos = 0;
    size_t out_len = 0, out_pos = 0;
    int input_open = 1;
    stdout_flags = fcntl(STDOUT_FILENO, F_GETFL);
    if (stdout_flags >= 0) {
        fcntl(STDOUT_FILENO, F_SETFL, stdout_flags | O_NONBLOCK);
        atexit(restore_stdout_flags);
    }
    int master_flags = fcntl(master, F_GETFL);
    if (master_flags < 0 || fcntl(master, F_SETFL, master_flags | O_NONBLOCK) < 0) die("fcntl");
    for (;;) {
        if (window_changed) {
            window_changed = 0;
            copy_window_size(master);
        }
        int out_pending = out_pos < out_len;
        int in_pending = in_pos < in_len;
        short master_events = (short)((out_pending ? 0 : POLLIN) | (in_pending ? POLLOUT : 0));
        struct pollfd fds[3] = {
            {.fd = input_open && !in_pending ? STDIN_FILENO : -1, .events = POLLIN},
            /* Not polled at all when nothing is wanted: its hangup would wake us in a loop. */
            {.fd = master_events ? master : -1, .events = master_events},
            {.fd = out_pending ? STDOUT_FILENO : -1, .events = POLLOUT},
        };
        if (poll(fds, 3, -1) < 0) {
            if (errno == EINTR) continue;
            die("poll");
        }
        if (fds[2].revents & (POLLERR | POLLHUP)) return; /* Nobody reads our output any more. */
        if (fds[2].revents & POLLOUT) {
            ssize_t n = write(STDOUT_FILENO, out + out_pos, out_len - out_pos);
            if (n < 0 && errno != EINTR && errno != EAGAIN) return;
            if (n > 0) out_pos += (size_t)n;
        }
        if (in_pending && (fds[1].revents & (POLLOUT | POLLHUP | POLLERR))) {
            ssize_t w = write(master, in + in_pos, in_len - in_pos);
            if (w > 0) in_pos += (size_t)w;
            /* EIO: the shell's side is closed; its input goes nowhere, the read below ends us. */
            else if (w < 0 && errno != EINTR && errno != EAGAIN) in_pos = in_len;
        }
        if (!out_pending && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
            ssize_t n = read(master, out, sizeof(out));
            if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
            if (n <= 0) break; /* EIO: every process holding the container's pty has exited. */
            out_len = (size_t)n;
            out_pos = 0;
        }
        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t n = read(STDIN_FILENO, in, sizeof(in));
            /* stdin may share stdout's file description, and so its O_NONBLOCK. */
            if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
            if (n <= 0) {
                input_open = 0; /* Our input ended; keep showing output until the shell exits. */
                continue;
            }
            in_len = (size_t)n;
            in_pos = 0;
            /* Straight on to the shell: a keystroke's echo should not wait for another poll. */
            ssize_t w = write(master, in, in_len);
            if (w > 0) in_pos = (size_t)w;
            else if (w < 0 && errno != EINTR && errno != EAGAIN) in_pos = in_len;
        }
    }
    /* Flush what the shell wrote last (its goodbye) before we exit. */
    restore_stdout_flags();
    while (out_pos < out_len) {
        ssize_t n = write(STDOUT_FILENO, out + out_pos, out_len - out_pos);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        out_pos += (size_t)n;
    }
}

int main(int argc, char **argv) {
    if (argc < 4 || strcmp(argv[2], "--") != 0) {
        fprintf(stderr, "usage: nestbox-relay SOCKET_PATH -- RUNTIME_ARGV...\n");
        return 2;
    }
    const char *socket_path = argv[1];
    struct sigaction sa = {.sa_handler = on_sigwinch};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGWINCH, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    int listener = listen_on(socket_path);
    pid_t runtime = fork();
    if (runtime < 0) die("fork");
    if (runtime == 0) {
        execvp(argv[3], argv + 3);
        fprintf(stderr, "nestbox-relay: cannot run %s: %s\n", argv[3], strerror(errno));
        _exit(127);
    }

    int status = 0;
    int master = receive_fd(listener, runtime, &status);
    close(listener);
    unlink(socket_path);
    if (master == -2) return WIFEXITED(status) ? WEXITSTATUS(status) : 125;
    if (master < 0) {
        fprintf(stderr, "nestbox-relay: the runtime sent no console\n");
        return 125;
    }

    make_stdin_raw();
    relay(master);
    close(master);

    while (waitpid(runtime, &status, 0) < 0) {
        if (errno != EINTR) die("waitpid");
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return 125;
}
