// Heap per idle server-side connection, TLS or plain TCP (see bench/README.md,
// "The TLS rows"). This process runs a mongoose listener; a forked child
// (plain OpenSSL, blocking, so the same client faces every backend) first
// opens and closes WARM connections (one-time costs: the library's lazy
// initialisation, the first handshake's tables), then opens N that complete
// the handshake and stay idle. The server reads glibc's mallinfo2() before
// the N (warm-up connections closed) and once all N are accepted (for TLS:
// MG_EV_ACCEPT comes after the handshake) and a few poll iterations went by:
//   tls_mem [-n N] [-w WARM] [-c CERT [-k KEY]]
// Without -c the connections are plain TCP. Prints one line:
//   mode tls n 200 uordblks_before B uordblks_after A hblkhd_delta H
//   bytes_per_conn X
// X = (A - B + H) / N. Build (OpenSSL backend; mbedTLS: add
// -DMG_SSL_IF=MG_SSL_IF_MBEDTLS -lmbedtls -lmbedx509 -lmbedcrypto):
//   cc -O2 -DMG_ENABLE_SSL=1 -I. bench/tls_mem.c mongoose.c -lssl -lcrypto
//      -lpthread
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "mongoose.h"

#if !MG_ENABLE_SSL
#error "tls_mem needs a build with -DMG_ENABLE_SSL=1"
#endif

static int s_open;      // Accepted connections not closed yet
static int s_accepted;  // Accepted connections, ever

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  (void) ev_data;
  if (ev == MG_EV_ACCEPT) {
    nc->user_data = &s_open;  // Marks it as accepted (the listener has NULL)
    s_open++;
    s_accepted++;
  } else if (ev == MG_EV_CLOSE && nc->user_data == &s_open) {
    s_open--;
  }
}

// ---- The client (the forked child) ----

// A blocking TCP connection to 127.0.0.1:port, or -1.
static int client_connect(int port) {
  struct sockaddr_in sin;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  memset(&sin, 0, sizeof(sin));
  sin.sin_family = AF_INET;
  sin.sin_port = htons((uint16_t) port);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, (struct sockaddr *) &sin, sizeof(sin)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Opens n connections (with a finished handshake if ctx) into fds/ssls.
// Returns 0, or -1 if one failed.
static int client_open(SSL_CTX *ctx, int port, int n, int *fds, SSL **ssls) {
  int i;
  for (i = 0; i < n; i++) {
    if ((fds[i] = client_connect(port)) < 0) return -1;
    if (ctx == NULL) continue;
    if ((ssls[i] = SSL_new(ctx)) == NULL) return -1;
    SSL_set_fd(ssls[i], fds[i]);
    if (SSL_connect(ssls[i]) != 1) {
      ERR_print_errors_fp(stderr);
      return -1;
    }
  }
  return 0;
}

static void client_close(int n, int *fds, SSL **ssls) {
  int i;
  for (i = 0; i < n; i++) {
    if (ssls[i] != NULL) SSL_free(ssls[i]);
    if (fds[i] >= 0) close(fds[i]);
    ssls[i] = NULL;
    fds[i] = -1;
  }
}

// The child: warm-up connections, 'w' to the parent, waits for 'g', the n
// idle connections, 'c', waits for 'q' (or end of file), exits.
static int client_main(int tls, int port, int warm, int n, int rd, int wr) {
  int *fds = (int *) calloc((size_t) (n + warm), sizeof(*fds));
  SSL **ssls = (SSL **) calloc((size_t) (n + warm), sizeof(*ssls));
  SSL_CTX *ctx = NULL;
  char ch = 0;
  if (fds == NULL || ssls == NULL) return 1;
  if (tls) {
    if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL) return 1;
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  }
  if (client_open(ctx, port, warm, fds, ssls) != 0) return 1;
  client_close(warm, fds, ssls);
  if (write(wr, "w", 1) != 1 || read(rd, &ch, 1) != 1 || ch != 'g') return 1;
  if (client_open(ctx, port, n, fds, ssls) != 0) return 1;
  if (write(wr, "c", 1) != 1) return 1;
  while (read(rd, &ch, 1) == 1 && ch != 'q') continue;
  client_close(n, fds, ssls);
  if (ctx != NULL) SSL_CTX_free(ctx);
  return 0;
}

// ---- The server (this process) ----

// Polls, at most 120 s (slow handshakes: 200 of them with a big curve take
// seconds): with n_open >= 0 until n_open connections are open and
// n_accepted were accepted in all; else until the child writes a byte,
// which is returned (0 if none came).
static char server_poll_until(struct mg_mgr *mgr, int rd, int n_open,
                              int n_accepted) {
  double deadline = mg_time() + 120;
  char ch = 0;
  while (mg_time() < deadline) {
    mg_mgr_poll(mgr, 10);
    if (n_open >= 0 && s_open == n_open && s_accepted >= n_accepted) break;
    if (n_open < 0 && read(rd, &ch, 1) == 1) break;
  }
  return ch;
}

static void server_settle(struct mg_mgr *mgr) {
  int i;
  for (i = 0; i < 5; i++) mg_mgr_poll(mgr, 20);
}

// Steps the child through its phases and prints the figure. Returns 0, or
// -1 if the child failed.
static int server_measure(struct mg_mgr *mgr, int tls, int n, int warm, int rd,
                          int wr) {
  struct mallinfo2 m0, m1;
  double delta;
  // Warm-up connections made and closed, then the baseline.
  if (server_poll_until(mgr, rd, -1, 0) != 'w') return -1;
  server_poll_until(mgr, rd, 0, warm);
  server_settle(mgr);
  m0 = mallinfo2();
  if (write(wr, "g", 1) != 1) return -1;
  // The n connections: the child has them once it writes 'c'; the server
  // once it accepted (and, for TLS, finished the handshake of) all n.
  if (server_poll_until(mgr, rd, -1, 0) != 'c') return -1;
  server_poll_until(mgr, rd, n, warm + n);
  server_settle(mgr);
  m1 = mallinfo2();
  if (s_open != n) return -1;
  delta = (double) m1.uordblks - (double) m0.uordblks + (double) m1.hblkhd -
          (double) m0.hblkhd;
  printf(
      "mode %s n %d uordblks_before %zu uordblks_after %zu hblkhd_delta %ld"
      " bytes_per_conn %.0f\n",
      tls ? "tls" : "tcp", n, m0.uordblks, m1.uordblks,
      (long) m1.hblkhd - (long) m0.hblkhd, delta / n);
  fflush(stdout);
  return write(wr, "q", 1) == 1 ? 0 : -1;
}

// -n N -w WARM -c CERT -k KEY. Returns 0, or -1 on a bad argument.
static int parse_args(int argc, char *argv[], int *n, int *warm,
                      struct mg_bind_opts *opts) {
  int i;
  for (i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "-n") == 0) {
      *n = atoi(argv[i + 1]);
    } else if (strcmp(argv[i], "-w") == 0) {
      *warm = atoi(argv[i + 1]);
    } else if (strcmp(argv[i], "-c") == 0) {
      opts->ssl_cert = argv[i + 1];
    } else if (strcmp(argv[i], "-k") == 0) {
      opts->ssl_key = argv[i + 1];
    } else {
      return -1;
    }
  }
  return i < argc || *n <= 0 || *warm < 0 ? -1 : 0;
}

int main(int argc, char *argv[]) {
  struct mg_mgr mgr;
  struct mg_bind_opts opts;
  struct mg_connection *lc;
  const char *err = NULL;
  char port[16];
  int n = 200, warm = 10, to_child[2], to_parent[2], status = 0, rc;
  pid_t pid;

  memset(&opts, 0, sizeof(opts));
  opts.error_string = &err;
  if (parse_args(argc, argv, &n, &warm, &opts) != 0) {
    fprintf(stderr, "usage: %s [-n N] [-w WARM] [-c CERT [-k KEY]]\n", argv[0]);
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  mg_log_set_level(MG_LL_ERROR);
  mg_mgr_init(&mgr, NULL);
  if ((lc = mg_bind_opt(&mgr, "127.0.0.1:0", ev_handler, opts)) == NULL) {
    fprintf(stderr, "tls_mem: cannot listen: %s\n", err != NULL ? err : "?");
    return 1;
  }
  mg_conn_addr_to_str(lc, port, sizeof(port), MG_SOCK_STRINGIFY_PORT);
  if (pipe(to_child) != 0 || pipe(to_parent) != 0) return 1;
  if ((pid = fork()) < 0) return 1;
  if (pid == 0) {
    close(to_child[1]);
    close(to_parent[0]);
    _exit(client_main(opts.ssl_cert != NULL, atoi(port), warm, n, to_child[0],
                      to_parent[1]));
  }
  close(to_child[0]);
  close(to_parent[1]);
  fcntl(to_parent[0], F_SETFL, O_NONBLOCK);
  rc = server_measure(&mgr, opts.ssl_cert != NULL, n, warm, to_parent[0],
                      to_child[1]);
  if (rc != 0) {
    fprintf(stderr, "tls_mem: the client failed (accepted %d, open %d)\n",
            s_accepted, s_open);
    kill(pid, SIGTERM);
  }
  waitpid(pid, &status, 0);
  mg_mgr_free(&mgr);
  return rc == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
