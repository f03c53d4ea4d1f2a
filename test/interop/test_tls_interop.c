// Interop tests for TLS: real peers that we did not write against our
// HTTPS/WSS server (curl, openssl s_client, gnutls-cli, python websockets,
// testssl.sh), and our client against openssl s_server. Our server runs in
// this process and is polled while a peer runs; each peer is forked and
// ended by its PID. Certificates come from test/tls_certs.sh (group
// setup, into a mkdtemp() directory). Built without TLS, the file tests
// that https:// and wss:// URLs are refused with a TLS error.
#include "net_util.h"  // First: mongoose.h sets the feature macros

#include <sys/wait.h>

#if MG_ENABLE_SSL

#define PEER_SECONDS 60.0  // Longest a peer may run (testssl: TESTSSL_SECONDS)
#define TESTSSL_SECONDS 420.0
#define HELLO "hello over tls\n"
#define CURL "/usr/bin/curl"
#define OPENSSL "/usr/bin/openssl"
#define GNUTLS_CLI "/usr/bin/gnutls-cli"
#define PYTHON "/usr/bin/python3"
#define TESTSSL "/usr/bin/testssl"
#define CURL_ARGS CURL, "-q", "-sS", "--noproxy", "*", "--max-time", "50"

static char s_dir[64];
static char s_root[128];
static char s_ca[128], s_other_ca[128];
static char s_server_pem[128], s_server_key[128];
static char s_wrong_pem[128], s_wrong_key[128];
static char s_expired_pem[128], s_expired_key[128];
static char s_client_pem[128], s_client_key[128];
static char s_big[128];  // root/big.bin, big_size() bytes of pat()

static void path_join(char *buf, size_t len, const char *dir,
                      const char *name) {
  int n = snprintf(buf, len, "%s/%s", dir, name);
  assert_true(n > 0 && (size_t) n < len);
}

// The byte at offset i of every test stream (positional: a lost, doubled or
// moved byte shows).
static unsigned char pat(size_t i) {
  return (unsigned char) ((i * 131u) ^ (i >> 8) ^ (i >> 17));
}

// 100 MB, less under valgrind (run_tests.sh sets VALGRIND=1).
static size_t big_size(void) {
  return getenv("VALGRIND") != NULL ? 8 * 1000 * 1000 : 100 * 1000 * 1000;
}

// ---- Processes --------------------------------------------------------------------

struct run {
  int code;           // Exit code, or 128 + signal
  char out[65536];    // The end of stdout, NUL-terminated
  char err[65536];    // The end of stderr, NUL-terminated
};

static struct mg_mgr *s_live_mgr;  // The running server, for teardown()
static pid_t s_bg_pid;             // A background peer, for teardown()

// Reads the last cap-1 bytes of a file into buf.
static void read_tail(const char *path, char *buf, size_t cap) {
  FILE *fp = fopen(path, "rb");
  long size;
  size_t n = 0;
  buf[0] = '\0';
  if (fp == NULL) return;
  fseek(fp, 0, SEEK_END);
  size = ftell(fp);
  if (size > (long) cap - 1) fseek(fp, size - (long) cap + 1, SEEK_SET);
  else fseek(fp, 0, SEEK_SET);
  n = fread(buf, 1, cap - 1, fp);
  buf[n] = '\0';
  fclose(fp);
}

// Forks argv (argv[0] an absolute path) with stdin from in_path (NULL:
// /dev/null) and stdout/stderr into files of s_dir. Returns the PID.
static pid_t spawn(const char *const argv[], const char *in_path) {
  char out_path[256], err_path[256];
  pid_t pid;
  path_join(out_path, sizeof(out_path), s_dir, "peer.out");
  path_join(err_path, sizeof(err_path), s_dir, "peer.err");
  fflush(NULL);
  pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    int in = open(in_path != NULL ? in_path : "/dev/null", O_RDONLY);
    int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int fd;
    if (in < 0 || out < 0 || err < 0) _exit(126);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    for (fd = 3; fd < 1024; fd++) close(fd);  // Our sockets stay ours
    setpgid(0, 0);  // Its own group: testssl starts children
    execv(argv[0], (char *const *) argv);
    _exit(127);
  }
  return pid;
}

// Ends a background peer (its group, as it may have children) by PID.
static void stop_pid(pid_t pid) {
  double deadline = mg_time() + 5;
  struct timespec ts = {0, 5000000};
  int st;
  if (pid <= 0) return;
  kill(-pid, SIGTERM);
  kill(pid, SIGTERM);
  while (waitpid(pid, &st, WNOHANG) == 0) {
    if (mg_time() > deadline) {
      kill(-pid, SIGKILL);
      kill(pid, SIGKILL);
      waitpid(pid, &st, 0);
      break;
    }
    nanosleep(&ts, NULL);
  }
}

// Runs argv to its end while polling mgr (if not NULL), for at most
// seconds (then it is killed and the test fails).
static void run_peer_in(struct mg_mgr *mgr, const char *const argv[],
                        const char *in_path, double seconds, struct run *r) {
  struct timespec ts = {0, 5000000};
  char path[256];
  double deadline = mg_time() + seconds;
  pid_t pid = spawn(argv, in_path);
  int st = 0, i;
  for (;;) {
    pid_t w;
    if (mgr != NULL) {
      mg_mgr_poll(mgr, 5);
    } else {
      nanosleep(&ts, NULL);
    }
    w = waitpid(pid, &st, WNOHANG);
    if (w == pid) break;
    assert_true(w == 0);
    if (mg_time() > deadline) {
      stop_pid(pid);
      fail_msg("%s did not finish within %g s: killed", argv[0], seconds);
    }
  }
  for (i = 0; mgr != NULL && i < 5; i++) mg_mgr_poll(mgr, 1);
  r->code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  path_join(path, sizeof(path), s_dir, "peer.out");
  read_tail(path, r->out, sizeof(r->out));
  path_join(path, sizeof(path), s_dir, "peer.err");
  read_tail(path, r->err, sizeof(r->err));
  if (r->code != 0) {
    printf("%s exited %d\nstdout: %.2000s\nstderr: %.2000s\n", argv[0],
           r->code, r->out, r->err);
  }
}

static void run_peer(struct mg_mgr *mgr, const char *const argv[],
                     struct run *r) {
  run_peer_in(mgr, argv, NULL, PEER_SECONDS, r);
}

// Skips the test, loudly, when the peer is not installed.
#define REQUIRE_PEER(path, pkg)                                            \
  do {                                                                     \
    if (access((path), X_OK) != 0) {                                       \
      print_message("SKIP: %s is missing; install it with: "               \
                    "apt-get install -y %s\n", (path), (pkg));             \
      skip();                                                              \
    }                                                                      \
  } while (0)

static void write_file(const char *path, const char *s) {
  FILE *fp = fopen(path, "wb");
  assert_non_null(fp);
  assert_int_equal(fwrite(s, 1, strlen(s), fp), strlen(s));
  assert_int_equal(fclose(fp), 0);
}

// Writes big_size() bytes of pat() to path.
static int write_big(const char *path) {
  static char buf[65536];
  FILE *fp = fopen(path, "wb");
  size_t off = 0, i, n, total = big_size();
  if (fp == NULL) return -1;
  while (off < total) {
    n = total - off < sizeof(buf) ? total - off : sizeof(buf);
    for (i = 0; i < n; i++) buf[i] = (char) pat(off + i);
    if (fwrite(buf, 1, n, fp) != n) break;
    off += n;
  }
  return fclose(fp) == 0 && off == total ? 0 : -1;
}

// Bytes of path that differ from pat(), or (size_t) -1 if its length is not
// want.
static size_t file_mismatches(const char *path, size_t want) {
  static char buf[65536];
  FILE *fp = fopen(path, "rb");
  size_t off = 0, bad = 0, i, n;
  if (fp == NULL) return (size_t) -1;
  while ((n = fread(buf, 1, sizeof(buf), fp)) > 0) {
    for (i = 0; i < n; i++) bad += (unsigned char) buf[i] != pat(off + i);
    off += n;
  }
  fclose(fp);
  return off == want ? bad : (size_t) -1;
}

static int make_certs(const char *dir) {
  const char *argv[] = {"/bin/sh", "test/tls_certs.sh", dir, NULL};
  struct run *r = (struct run *) calloc(1, sizeof(*r));
  int code;
  if (r == NULL) return -1;
  run_peer(NULL, argv, r);
  code = r->code;
  free(r);
  return code;
}

static int setup_all(void **state) {
  (void) state;
  snprintf(s_dir, sizeof(s_dir), "/tmp/mg_tlsi_XXXXXX");
  if (mkdtemp(s_dir) == NULL) return -1;
  if (make_certs(s_dir) != 0) {
    print_message("test/tls_certs.sh failed (run from the repo root; it "
                  "needs openssl: apt-get install -y openssl)\n");
    return -1;
  }
  path_join(s_ca, sizeof(s_ca), s_dir, "ca.pem");
  path_join(s_other_ca, sizeof(s_other_ca), s_dir, "other_ca.pem");
  path_join(s_server_pem, sizeof(s_server_pem), s_dir, "server.pem");
  path_join(s_server_key, sizeof(s_server_key), s_dir, "server.key");
  path_join(s_wrong_pem, sizeof(s_wrong_pem), s_dir, "wrongname.pem");
  path_join(s_wrong_key, sizeof(s_wrong_key), s_dir, "wrongname.key");
  path_join(s_expired_pem, sizeof(s_expired_pem), s_dir, "expired.pem");
  path_join(s_expired_key, sizeof(s_expired_key), s_dir, "expired.key");
  path_join(s_client_pem, sizeof(s_client_pem), s_dir, "client.pem");
  path_join(s_client_key, sizeof(s_client_key), s_dir, "client.key");
  path_join(s_root, sizeof(s_root), s_dir, "root");
  if (mkdir(s_root, 0755) != 0) return -1;
  path_join(s_big, sizeof(s_big), s_root, "big.bin");
  return write_big(s_big);
}

static void remove_dir(const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *e;
  char path[512];
  if (d == NULL) return;
  while ((e = readdir(d)) != NULL) {
    struct stat st;
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
    if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
      remove_dir(path);
    } else {
      unlink(path);
    }
  }
  closedir(d);
  rmdir(dir);
}

static int teardown_all(void **state) {
  (void) state;
  remove_dir(s_dir);
  return 0;
}

static int teardown(void **state) {
  (void) state;
  stop_pid(s_bg_pid);
  s_bg_pid = 0;
  if (s_live_mgr != NULL) mg_mgr_free(s_live_mgr);
  s_live_mgr = NULL;
  return 0;
}

// ---- Our server ----------------------------------------------------------------------

struct srv {
  struct mg_mgr mgr;
  struct mg_connection *lc;
  int port;
  char url[64];      // "https://127.0.0.1:PORT"
  int accepts;       // MG_EV_ACCEPT (handshakes done)
  size_t up_len;     // /upload: multipart data bytes seen
  size_t up_bad;     // ... that differ from pat()
};

static struct srv s_srv;

static void upload_event(struct mg_connection *nc, int ev,
                         struct mg_http_multipart_part *mp) {
  struct srv *s = (struct srv *) nc->mgr->user_data;
  size_t i;
  if (ev == MG_EV_HTTP_PART_DATA) {
    for (i = 0; i < mp->data.len; i++) {
      s->up_bad += (unsigned char) mp->data.p[i] != pat(s->up_len + i);
    }
    s->up_len += mp->data.len;
  } else if (ev == MG_EV_HTTP_MULTIPART_REQUEST_END) {
    mg_printf(nc,
              "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
              "Connection: close\r\n\r\nlen=%lu bad=%lu\n",
              (unsigned long) s->up_len, (unsigned long) s->up_bad);
    nc->flags |= MG_F_SEND_AND_CLOSE;
  }
}

static void srv_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct srv *s = (struct srv *) nc->mgr->user_data;
  struct http_message *hm = (struct http_message *) ev_data;
  struct websocket_message *wm = (struct websocket_message *) ev_data;
  if (ev == MG_EV_ACCEPT) {
    s->accepts++;
  } else if (ev >= MG_EV_HTTP_PART_BEGIN &&
             ev <= MG_EV_HTTP_MULTIPART_REQUEST_END) {
    upload_event(nc, ev, (struct mg_http_multipart_part *) ev_data);
  } else if (ev == MG_EV_HTTP_REQUEST && mg_vcmp(&hm->uri, "/hello") == 0) {
    mg_send_head(nc, 200, (int) strlen(HELLO), "Content-Type: text/plain");
    mg_printf(nc, "%s", HELLO);
  } else if (ev == MG_EV_HTTP_REQUEST) {
    struct mg_serve_http_opts so;
    memset(&so, 0, sizeof(so));
    so.document_root = s_root;
    so.enable_directory_listing = "no";
    mg_serve_http(nc, hm, so);
  } else if (ev == MG_EV_WEBSOCKET_FRAME) {
    mg_send_websocket_frame(nc, wm->flags & 0x0f, wm->data, wm->size);
  }
}

// Starts our HTTPS/WSS server on 127.0.0.1 with server.pem; ca (if not
// NULL) makes it require client certificates.
static struct srv *srv_start(const char *ca) {
  struct srv *s = &s_srv;
  struct mg_bind_opts bo;
  const char *err = NULL;
  assert_null(s_live_mgr);
  memset(s, 0, sizeof(*s));
  mg_mgr_init(&s->mgr, s);
  s_live_mgr = &s->mgr;
  memset(&bo, 0, sizeof(bo));
  bo.error_string = &err;
  bo.ssl_cert = s_server_pem;
  bo.ssl_key = s_server_key;
  bo.ssl_ca_cert = ca;
  s->lc = mg_bind_opt(&s->mgr, "127.0.0.1:0", srv_handler, bo);
  if (s->lc == NULL) fail_msg("mg_bind_opt: %s", err);
  mg_set_protocol_http_websocket(s->lc);
  s->port = conn_port(s->lc);
  snprintf(s->url, sizeof(s->url), "https://127.0.0.1:%d", s->port);
  return s;
}

static void srv_stop(void) {
  mg_mgr_free(s_live_mgr);
  s_live_mgr = NULL;
}

// ---- curl ------------------------------------------------------------------------------

// curl --cacert over TLS version `ver` ("1.2", "1.3"): the body is exact
// and curl says which version it used.
static void curl_hello(const char *ver, int want_ok) {
  struct srv *s;
  struct run r;
  char url[128], min[16], want[64];
  (void) want;
  REQUIRE_PEER(CURL, "curl");
  s = srv_start(NULL);
  snprintf(url, sizeof(url), "%s/hello", s->url);
  snprintf(min, sizeof(min), "--tlsv%s", ver);
  {
    const char *argv[] = {CURL_ARGS, "-v", "--cacert", s_ca, min,
                          "--tls-max", ver, url, NULL};
    run_peer(&s->mgr, argv, &r);
  }
  if (!want_ok) {
    assert_int_not_equal(r.code, 0);
    assert_int_equal(s->accepts, 0);
    srv_stop();
    return;
  }
  assert_int_equal(r.code, 0);
  assert_string_equal(r.out, HELLO);
  snprintf(want, sizeof(want), "SSL connection using TLSv%s", ver);
  assert_non_null(strstr(r.err, want));
  assert_int_equal(s->accepts, 1);
  srv_stop();
}

static void test_curl_tls12_body_exact(void **state) {
  (void) state;
  curl_hello("1.2", 1);
}

// TLS 1.3 with OpenSSL; the mbedTLS backend (2.28) has TLS 1.2 only and
// must refuse it.
static void test_curl_tls13(void **state) {
  (void) state;
  curl_hello("1.3", MG_SSL_IF == MG_SSL_IF_OPENSSL);
}

static void test_curl_wrong_ca_fails(void **state) {
  struct srv *s;
  struct run r;
  char url[128];
  (void) state;
  REQUIRE_PEER(CURL, "curl");
  s = srv_start(NULL);
  snprintf(url, sizeof(url), "%s/hello", s->url);
  {
    const char *argv[] = {CURL_ARGS, "--cacert", s_other_ca, url, NULL};
    run_peer(&s->mgr, argv, &r);
  }
  assert_int_equal(r.code, 60);  // CURLE_PEER_FAILED_VERIFICATION
  assert_null(strstr(r.out, HELLO));
  srv_stop();
}

// 100 MB from our static file server, then 100 MB uploaded (multipart,
// streamed) to a handler that checks every byte.
static void test_curl_100mb_download_and_upload_byte_exact(void **state) {
  struct srv *s;
  struct run r;
  char url[128], out[256], form[256], want[64];
  (void) state;
  REQUIRE_PEER(CURL, "curl");
  s = srv_start(NULL);
  snprintf(url, sizeof(url), "%s/big.bin", s->url);
  path_join(out, sizeof(out), s_dir, "download.bin");
  {
    const char *argv[] = {CURL_ARGS, "--cacert", s_ca, "-o", out, url, NULL};
    run_peer(&s->mgr, argv, &r);
  }
  assert_int_equal(r.code, 0);
  assert_int_equal(file_mismatches(out, big_size()), 0);
  unlink(out);

  snprintf(url, sizeof(url), "%s/upload", s->url);
  snprintf(form, sizeof(form), "file=@%s", s_big);
  {
    const char *argv[] = {CURL_ARGS, "--cacert", s_ca, "-F", form, url, NULL};
    run_peer(&s->mgr, argv, &r);
  }
  assert_int_equal(r.code, 0);
  snprintf(want, sizeof(want), "len=%lu bad=0\n", (unsigned long) big_size());
  assert_string_equal(r.out, want);
  srv_stop();
}

// ---- openssl s_client -------------------------------------------------------------------

// s_client with SNI and verification, sending an HTTP/1.0 request from a
// file and keeping the connection until the server closes it.
static void s_client(struct srv *s, const char *name, const char *cert,
                     const char *key, struct run *r) {
  char addr[64], req[256];
  snprintf(addr, sizeof(addr), "127.0.0.1:%d", s->port);
  path_join(req, sizeof(req), s_dir, "request.txt");
  write_file(req, "GET /hello HTTP/1.0\r\n\r\n");
  if (cert != NULL) {
    const char *argv[] = {OPENSSL, "s_client", "-connect", addr,
                          "-servername", name, "-verify_hostname", name,
                          "-CAfile", s_ca, "-verify_return_error", "-ign_eof",
                          "-cert", cert, "-key", key, NULL};
    run_peer_in(&s->mgr, argv, req, PEER_SECONDS, r);
  } else {
    const char *argv[] = {OPENSSL, "s_client", "-connect", addr,
                          "-servername", name, "-verify_hostname", name,
                          "-CAfile", s_ca, "-verify_return_error", "-ign_eof",
                          NULL};
    run_peer_in(&s->mgr, argv, req, PEER_SECONDS, r);
  }
}

static void test_s_client_sni_and_verify(void **state) {
  struct srv *s;
  struct run r;
  (void) state;
  REQUIRE_PEER(OPENSSL, "openssl");
  s = srv_start(NULL);
  s_client(s, "localhost", NULL, NULL, &r);
  assert_int_equal(r.code, 0);
  assert_non_null(strstr(r.out, "Verify return code: 0 (ok)"));
  assert_non_null(strstr(r.out, "HTTP/1.0 200") != NULL
                      ? strstr(r.out, "HTTP/1.0 200")
                      : strstr(r.out, "HTTP/1.1 200"));
  assert_non_null(strstr(r.out, "\r\n\r\n" HELLO));
  // A name the certificate does not carry: s_client gives up.
  s_client(s, "wrong.example", NULL, NULL, &r);
  assert_int_not_equal(r.code, 0);
  assert_null(strstr(r.out, HELLO));
  srv_stop();
}

static void test_s_client_cert_required(void **state) {
  struct srv *s;
  struct run r;
  (void) state;
  REQUIRE_PEER(OPENSSL, "openssl");
  s = srv_start(s_ca);
  s_client(s, "localhost", NULL, NULL, &r);
  assert_null(strstr(r.out, HELLO));
  assert_int_equal(s->accepts, 0);
  s_client(s, "localhost", s_client_pem, s_client_key, &r);
  assert_int_equal(r.code, 0);
  assert_non_null(strstr(r.out, "\r\n\r\n" HELLO));
  assert_int_equal(s->accepts, 1);
  srv_stop();
}

// ---- gnutls-cli -----------------------------------------------------------------------------

static void test_gnutls_cli_gets_body(void **state) {
  struct srv *s;
  struct run r;
  char port[16], req[256];
  (void) state;
  REQUIRE_PEER(GNUTLS_CLI, "gnutls-bin");
  s = srv_start(NULL);
  snprintf(port, sizeof(port), "%d", s->port);
  path_join(req, sizeof(req), s_dir, "request.txt");
  write_file(req, "GET /hello HTTP/1.0\r\n\r\n");
  {
    const char *argv[] = {GNUTLS_CLI, "--x509cafile", s_ca, "-p", port,
                          "127.0.0.1", NULL};
    run_peer_in(&s->mgr, argv, req, PEER_SECONDS, &r);
  }
  assert_int_equal(r.code, 0);
  assert_non_null(strstr(r.out, "Handshake was completed"));
  assert_non_null(strstr(r.out, "\r\n\r\n" HELLO));
  // Another CA: the certificate does not verify.
  {
    const char *argv[] = {GNUTLS_CLI, "--x509cafile", s_other_ca, "-p", port,
                          "127.0.0.1", NULL};
    run_peer_in(&s->mgr, argv, req, PEER_SECONDS, &r);
  }
  assert_int_not_equal(r.code, 0);
  assert_null(strstr(r.out, HELLO));
  srv_stop();
}

// ---- python websockets over wss:// ----------------------------------------------------------

static const char s_wss_py[] =
    "import asyncio, ssl, sys\n"
    "import websockets\n"
    "async def main():\n"
    "    ctx = ssl.create_default_context(cafile=sys.argv[2])\n"
    "    async with websockets.connect(sys.argv[1], ssl=ctx,\n"
    "                                  max_size=4 << 20) as ws:\n"
    "        for n in (0, 125, 126, 65536, 1 << 20):\n"
    "            data = bytes((i * 7 + n) & 255 for i in range(n))\n"
    "            await ws.send(data)\n"
    "            got = await ws.recv()\n"
    "            print('binary %d %s' % (n, 'ok' if got == data else 'bad'))\n"
    "        await ws.send('h\\u00e9llo')\n"
    "        got = await ws.recv()\n"
    "        print('text %s' % ('ok' if got == 'h\\u00e9llo' else 'bad'))\n"
    "        await ws.close(1000)\n"
    "        print('close %s' % ws.close_code)\n"
    "asyncio.run(asyncio.wait_for(main(), 30))\n";

static void test_python_websockets_wss_echo(void **state) {
  struct srv *s;
  struct run r;
  char url[128], script[256];
  (void) state;
  REQUIRE_PEER(PYTHON, "python3");
  {
    const char *argv[] = {PYTHON, "-c", "import websockets", NULL};
    run_peer(NULL, argv, &r);
    if (r.code != 0) {
      print_message("SKIP: " PYTHON " lacks websockets; install it with: "
                    "apt-get install -y python3-websockets\n");
      skip();
    }
  }
  s = srv_start(NULL);
  path_join(script, sizeof(script), s_dir, "wss.py");
  write_file(script, s_wss_py);
  snprintf(url, sizeof(url), "wss://127.0.0.1:%d/ws", s->port);
  {
    const char *argv[] = {PYTHON, script, url, s_ca, NULL};
    run_peer(&s->mgr, argv, &r);
  }
  assert_int_equal(r.code, 0);
  assert_string_equal(r.out,
                      "binary 0 ok\nbinary 125 ok\nbinary 126 ok\n"
                      "binary 65536 ok\nbinary 1048576 ok\ntext ok\n"
                      "close 1000\n");
  srv_stop();
}

// ---- Our client against openssl s_server --------------------------------------------------

struct cli {
  int connects, err, replies, resp_code, closes;
  char body[256];
};

static void cli_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct cli *c = (struct cli *) nc->user_data;
  struct http_message *hm = (struct http_message *) ev_data;
  if (ev == MG_EV_CONNECT) {
    c->connects++;
    c->err = *(int *) ev_data;
  } else if (ev == MG_EV_HTTP_REPLY) {
    c->replies++;
    c->resp_code = hm->resp_code;
    snprintf(c->body, sizeof(c->body), "%.*s", (int) hm->body.len, hm->body.p);
    nc->flags |= MG_F_CLOSE_IMMEDIATELY;
  } else if (ev == MG_EV_CLOSE) {
    c->closes++;
  }
}

static int cli_closed(void *arg) {
  return ((struct cli *) arg)->closes > 0;
}

// Starts openssl s_server -www with cert and key on a free port; returns
// the port once it listens.
static int s_server_start(const char *cert, const char *key) {
  char port[16];
  double deadline;
  struct timespec ts = {0, 10000000};
  int p = free_loopback_port(SOCK_STREAM);
  assert_true(p > 0);
  snprintf(port, sizeof(port), "%d", p);
  {
    const char *argv[] = {OPENSSL, "s_server", "-accept", port, "-naccept",
                          "10", "-cert", cert, "-key", key, "-www", NULL};
    s_bg_pid = spawn(argv, NULL);
  }
  deadline = mg_time() + 10;
  while (!loopback_port_taken(SOCK_STREAM, p) && mg_time() < deadline) {
    nanosleep(&ts, NULL);
  }
  assert_true(loopback_port_taken(SOCK_STREAM, p));
  return p;
}

static void our_get(int port, const char *ca, struct cli *c) {
  static struct mg_mgr mgr;  // Static: teardown() frees it after a failure
  struct mg_connect_opts o;
  const char *err = NULL;
  char url[64];
  memset(c, 0, sizeof(*c));
  memset(&o, 0, sizeof(o));
  o.user_data = c;
  o.error_string = &err;
  o.ssl_ca_cert = ca;
  mg_mgr_init(&mgr, NULL);
  s_live_mgr = &mgr;
  snprintf(url, sizeof(url), "https://127.0.0.1:%d/", port);
  if (mg_connect_http_opt(&mgr, cli_handler, o, url, NULL, NULL) == NULL) {
    fail_msg("mg_connect_http_opt: %s", err);
  }
  if (!poll_until(&mgr, cli_closed, c, 20)) {
    fail_msg("no close: connects %d err %d replies %d code %d", c->connects,
             c->err, c->replies, c->resp_code);
  }
  mg_mgr_free(&mgr);
  s_live_mgr = NULL;
}

static void test_our_client_against_s_server(void **state) {
  static struct cli c;
  int port;
  (void) state;
  REQUIRE_PEER(OPENSSL, "openssl");
  port = s_server_start(s_server_pem, s_server_key);
  our_get(port, s_ca, &c);
  assert_int_equal(c.err, 0);
  assert_int_equal(c.replies, 1);
  assert_int_equal(c.resp_code, 200);
  assert_non_null(strstr(c.body, "s_server"));
  our_get(port, s_other_ca, &c);
  assert_int_equal(c.err, MG_ETLS_CERT);
  stop_pid(s_bg_pid);
  s_bg_pid = 0;
}

static void test_our_client_s_server_wrong_name(void **state) {
  static struct cli c;
  int port;
  (void) state;
  REQUIRE_PEER(OPENSSL, "openssl");
  port = s_server_start(s_wrong_pem, s_wrong_key);
  our_get(port, s_ca, &c);
  assert_int_equal(c.err, MG_ETLS_HOSTNAME);
  assert_int_equal(c.replies, 0);
  our_get(port, "*", &c);
  assert_int_equal(c.err, 0);
  assert_int_equal(c.resp_code, 200);
  stop_pid(s_bg_pid);
  s_bg_pid = 0;
}

static void test_our_client_s_server_expired(void **state) {
  static struct cli c;
  int port;
  (void) state;
  REQUIRE_PEER(OPENSSL, "openssl");
  port = s_server_start(s_expired_pem, s_expired_key);
  our_get(port, s_ca, &c);
  assert_int_equal(c.err, MG_ETLS_CERT);
  assert_int_equal(c.replies, 0);
  stop_pid(s_bg_pid);
  s_bg_pid = 0;
}

// ---- testssl.sh --------------------------------------------------------------------------

static int has_line_with(const char *text, const char *a, const char *b) {
  const char *p = text;
  while (p != NULL && *p != '\0') {
    const char *e = strchr(p, '\n');
    size_t n = e != NULL ? (size_t) (e - p) : strlen(p);
    char line[1024];
    snprintf(line, sizeof(line), "%.*s", (int) (n < 1023 ? n : 1023), p);
    if (strstr(line, a) != NULL && (b == NULL || strstr(line, b) != NULL)) {
      return 1;
    }
    p = e != NULL ? e + 1 : NULL;
  }
  return 0;
}

// Protocols and known vulnerabilities with the default cipher list. It
// takes minutes: it runs in the select build only.
static void test_testssl_protocols_and_vulnerabilities(void **state) {
  struct srv *s;
  struct run *r;
  char addr[64];
  (void) state;
  if (mg_ifaces[0] != &mg_socket_iface_vtable) {
    print_message("(testssl runs in the select build only)\n");
    return;
  }
  REQUIRE_PEER(TESTSSL, "testssl.sh");
  s = srv_start(NULL);
  snprintf(addr, sizeof(addr), "127.0.0.1:%d", s->port);
  r = (struct run *) calloc(1, sizeof(*r));
  assert_non_null(r);
  {
    const char *argv[] = {TESTSSL, "--protocols", "--vulnerable", "--quiet",
                          "--color", "0", "--ip", "127.0.0.1", "--nodns",
                          "none", "--warnings", "off", addr, NULL};
    run_peer_in(&s->mgr, argv, NULL, TESTSSL_SECONDS, r);
  }
  printf("%s\n", r->out);
  if (!has_line_with(r->out, "TLS 1.2", "offered")) {
    free(r);
    fail_msg("testssl did not see TLS 1.2 offered");
  }
  {
    int bad = has_line_with(r->out, "VULNERABLE", NULL) ||
              has_line_with(r->out, "NOT ok", NULL) ||
              !has_line_with(r->out, "SSLv2", "not offered") ||
              !has_line_with(r->out, "SSLv3", "not offered") ||
              !has_line_with(r->out, "TLS 1 ", "not offered") ||
              !has_line_with(r->out, "TLS 1.1", "not offered");
    free(r);
    assert_false(bad);
  }
  srv_stop();
}

#else  // !MG_ENABLE_SSL

static int teardown(void **state) {
  (void) state;
  return 0;
}

static void nop_handler(struct mg_connection *nc, int ev, void *ev_data) {
  (void) nc;
  (void) ev;
  (void) ev_data;
}

// What a user who tries https:// or wss:// with a build without TLS sees.
static void test_https_and_wss_without_tls_refused(void **state) {
  struct mg_mgr mgr;
  struct mg_connect_opts o;
  const char *err = NULL;
  (void) state;
  mg_mgr_init(&mgr, NULL);
  memset(&o, 0, sizeof(o));
  o.error_string = &err;
  assert_null(mg_connect_http_opt(&mgr, nop_handler, o,
                                  "https://127.0.0.1:1/", NULL, NULL));
  assert_non_null(err);
  assert_non_null(strstr(err, "TLS"));
  err = NULL;
  assert_null(mg_connect_ws_opt(&mgr, nop_handler, o, "wss://127.0.0.1:1/",
                                NULL, NULL));
  assert_non_null(err);
  assert_non_null(strstr(err, "TLS"));
  mg_mgr_free(&mgr);
}

#endif  // MG_ENABLE_SSL

#define T(test) cmocka_unit_test_teardown(test, teardown)

int main(void) {
  const struct CMUnitTest tests[] = {
#if MG_ENABLE_SSL
      T(test_curl_tls12_body_exact),
      T(test_curl_tls13),
      T(test_curl_wrong_ca_fails),
      T(test_curl_100mb_download_and_upload_byte_exact),
      T(test_s_client_sni_and_verify),
      T(test_s_client_cert_required),
      T(test_gnutls_cli_gets_body),
      T(test_python_websockets_wss_echo),
      T(test_our_client_against_s_server),
      T(test_our_client_s_server_wrong_name),
      T(test_our_client_s_server_expired),
      T(test_testssl_protocols_and_vulnerabilities),
#else
      T(test_https_and_wss_without_tls_refused),
#endif
  };
#if MG_ENABLE_SSL
  return cmocka_run_group_tests(tests, setup_all, teardown_all);
#else
  return cmocka_run_group_tests(tests, NULL, NULL);
#endif
}
