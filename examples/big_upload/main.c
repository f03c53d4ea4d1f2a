// Big upload: files of any size posted as multipart/form-data are streamed
// to disk as they arrive, never held in memory whole. The handler sees
// MG_EV_HTTP_MULTIPART_REQUEST, then for each part MG_EV_HTTP_PART_BEGIN,
// MG_EV_HTTP_PART_DATA (a piece at a time) and MG_EV_HTTP_PART_END, and
// finally MG_EV_HTTP_MULTIPART_REQUEST_END, when it answers.
//
//   make examples/big_upload/big_upload
//   examples/big_upload/big_upload -u /tmp
//   open http://127.0.0.1:8000/ and pick files, or:
//   head -c 100000000 /dev/urandom > /tmp/big.bin
//   curl -F file=@/tmp/big.bin http://127.0.0.1:8000/upload
//
// Usage: big_upload [-p [ADDR:]PORT] [-u DIR]
//   -p  listening address, default 127.0.0.1:8000
//   -u  directory the files are saved to, default /tmp
//
// A file keeps its name from the upload, with any byte other than
// A-Z a-z 0-9 . _ - turned into '_'. Names that are empty, start with '.'
// or hold '/' or '\' are refused. An existing file of that name is
// replaced (a symbolic link is not followed). A file cut short is removed.
#include "mongoose.h"

#define PROGRESS_STEP (10 * 1024 * 1024)  // Print progress every 10 MiB

static volatile sig_atomic_t s_stop = 0;
static const char *s_upload_dir = "/tmp";

// One upload request, in nc->user_data from MULTIPART_REQUEST to its END.
struct upload {
  struct mbuf summary;  // The answer, a line per saved file
  int num_files;        // Files saved
  int status;           // 200, or the error status of the first failure
};

// One file part, in part->user_data from PART_BEGIN to PART_END.
struct upload_file {
  FILE *fp;                   // NULL after a failure: data is dropped
  char path[512];             // Where it goes
  unsigned long long bytes;   // Written so far
  unsigned long long report;  // Print progress once bytes reach this
};

static const char *s_form =
    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    "<title>Big upload</title><style>body{font:16px/1.5 system-ui,"
    "sans-serif;max-width:40em;margin:3em auto;padding:0 1em}</style>"
    "</head><body><h1>Upload files</h1>"
    "<p>The files are streamed to the server's upload directory.</p>"
    "<form method=\"POST\" action=\"/upload\" "
    "enctype=\"multipart/form-data\">"
    "<input type=\"file\" name=\"file\" multiple> "
    "<button type=\"submit\">Upload</button></form></body></html>\n";

static void on_signal(int sig) {
  s_stop = sig;
}

// Copies name into dst (dst_len bytes), each byte outside A-Z a-z 0-9 . _ -
// becoming '_'. Returns 0, or -1 if the name is refused: empty, too long,
// starting with '.' or holding a path separator.
static int sanitize_name(const char *name, char *dst, size_t dst_len) {
  size_t i, n = strlen(name);
  if (n == 0 || n >= dst_len || name[0] == '.' || strchr(name, '/') != NULL ||
      strchr(name, '\\') != NULL) {
    return -1;
  }
  for (i = 0; i < n; i++) {
    dst[i] = isalnum((unsigned char) name[i]) || strchr("._-", name[i])
                 ? name[i]
                 : '_';
  }
  dst[n] = '\0';
  return 0;
}

// Records the first failure of the request: its status and a line.
static void upload_fail(struct upload *up, int status, const char *what,
                        const char *name) {
  char line[600];
  snprintf(line, sizeof(line), "%s: %s\n", name, what);
  if (up->status == 200) up->status = status;
  mbuf_append(&up->summary, line, strlen(line));
  printf("%s", line);
}

// Opens path for writing, replacing a file but never following a link.
static FILE *open_upload(const char *path) {
  int fd = mg_open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0644);
  FILE *fp = fd < 0 ? NULL : fdopen(fd, "wb");
  if (fd >= 0 && fp == NULL) close(fd);
  return fp;
}

static void on_part_begin(struct upload *up,
                          struct mg_http_multipart_part *mp) {
  struct upload_file *f;
  char name[256];
  if (mp->file_name[0] == '\0') return;  // A plain form field: ignored
  if (sanitize_name(mp->file_name, name, sizeof(name)) != 0) {
    upload_fail(up, 400, "refused file name", mp->file_name);
  } else if ((f = (struct upload_file *) calloc(1, sizeof(*f))) == NULL) {
    upload_fail(up, 500, "out of memory", name);
  } else {
    snprintf(f->path, sizeof(f->path), "%s/%s", s_upload_dir, name);
    if ((f->fp = open_upload(f->path)) == NULL) {
      upload_fail(up, 500, strerror(errno), f->path);
    }
    f->report = PROGRESS_STEP;
    mp->user_data = f;
  }
}

static void on_part_data(struct upload *up, struct mg_http_multipart_part *mp) {
  struct upload_file *f = (struct upload_file *) mp->user_data;
  if (f == NULL || f->fp == NULL) return;  // Dropped
  if (fwrite(mp->data.p, 1, mp->data.len, f->fp) != mp->data.len) {
    upload_fail(up, 500, strerror(errno), f->path);
    fclose(f->fp);
    f->fp = NULL;
    remove(f->path);
    return;
  }
  f->bytes += mp->data.len;
  if (f->bytes >= f->report) {
    printf("%s: %llu bytes so far\n", f->path, f->bytes);
    fflush(stdout);
    f->report += PROGRESS_STEP;
  }
}

// Closes a part's file: kept, or removed if it is not whole.
static void finish_file(struct upload *up, struct upload_file *f, int status) {
  char line[600];
  if (fclose(f->fp) != 0) {
    upload_fail(up, 500, strerror(errno), f->path);
    remove(f->path);
  } else if (status < 0) {
    upload_fail(up, 400, "upload cut short", f->path);
    remove(f->path);
  } else {
    snprintf(line, sizeof(line), "%s: %llu bytes\n", f->path, f->bytes);
    mbuf_append(&up->summary, line, strlen(line));
    printf("%s: done, %llu bytes\n", f->path, f->bytes);
    up->num_files++;
  }
}

static void on_part_end(struct upload *up, struct mg_http_multipart_part *mp) {
  struct upload_file *f = (struct upload_file *) mp->user_data;
  if (f == NULL) return;
  if (f->fp != NULL) finish_file(up, f, mp->status);  // NULL: failed before
  free(f);
  mp->user_data = NULL;
}

// Answers the request with the summary, and forgets it.
static void on_request_end(struct mg_connection *nc, struct upload *up,
                           struct mg_http_multipart_part *mp) {
  if (mp->status < 0 && up->status == 200) up->status = 400;
  if (up->status == 200 && up->num_files == 0) {
    upload_fail(up, 400, "no file in the form", "upload");
  }
  mg_send_head(nc, up->status, (int64_t) up->summary.len,
               "Content-Type: text/plain; charset=utf-8");
  mg_send(nc, up->summary.buf, (int) up->summary.len);
  printf("upload: %d, %d file(s) saved\n", up->status, up->num_files);
  fflush(stdout);
}

static void free_upload(struct mg_connection *nc) {
  struct upload *up = (struct upload *) nc->user_data;
  if (up == NULL) return;
  mbuf_free(&up->summary);
  free(up);
  nc->user_data = NULL;
}

// Starts a request's state. Returns it, or NULL after answering 500.
static struct upload *start_upload(struct mg_connection *nc) {
  struct upload *up;
  free_upload(nc);  // A previous upload on this connection that broke off
  if ((up = (struct upload *) calloc(1, sizeof(*up))) == NULL) {
    mg_http_send_error(nc, 500, "out of memory");
    nc->flags |= MG_F_SEND_AND_CLOSE;
    return NULL;
  }
  mbuf_init(&up->summary, 0);
  up->status = 200;
  nc->user_data = up;
  return up;
}

// The /upload endpoint.
static void upload_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct upload *up = (struct upload *) nc->user_data;
  struct mg_http_multipart_part *mp = (struct mg_http_multipart_part *) ev_data;
  if (ev == MG_EV_HTTP_REQUEST) {  // Not a streamed multipart upload
    mg_http_send_error(nc, 400,
                       "POST multipart/form-data with a Content-Length\n");
  } else if (ev == MG_EV_HTTP_MULTIPART_REQUEST) {
    start_upload(nc);
  } else if (up == NULL) {
    return;  // Out of memory at the start: the answer is sent
  } else if (ev == MG_EV_HTTP_PART_BEGIN) {
    on_part_begin(up, mp);
  } else if (ev == MG_EV_HTTP_PART_DATA) {
    on_part_data(up, mp);
  } else if (ev == MG_EV_HTTP_PART_END) {
    on_part_end(up, mp);
  } else if (ev == MG_EV_HTTP_MULTIPART_REQUEST_END) {
    on_request_end(nc, up, mp);
    free_upload(nc);
  }
}

static void ev_handler(struct mg_connection *nc, int ev, void *ev_data) {
  struct http_message *hm = (struct http_message *) ev_data;
  if (ev == MG_EV_HTTP_REQUEST && mg_vcmp(&hm->uri, "/") == 0) {
    mg_send_head(nc, 200, (int64_t) strlen(s_form),
                 "Content-Type: text/html; charset=utf-8");
    mg_printf(nc, "%s", s_form);
  } else if (ev == MG_EV_HTTP_REQUEST) {
    mg_http_send_error(nc, 404, NULL);
  } else if (ev == MG_EV_CLOSE) {
    free_upload(nc);  // An upload the client broke off
  }
}

// Parses the command line. Returns 0, or -1 on a bad command line.
static int parse_args(int argc, char *argv[], const char **address) {
  cs_stat_t st;
  int i;
  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-p") == 0 && i + 1 < argc) {
      *address = argv[++i];
    } else if (strcmp(argv[i], "-u") == 0 && i + 1 < argc) {
      s_upload_dir = argv[++i];
    } else {
      fprintf(stderr, "Usage: %s [-p [ADDR:]PORT] [-u DIR]\n", argv[0]);
      return -1;
    }
  }
  if (mg_stat(s_upload_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
    fprintf(stderr, "%s: %s is not a directory\n", argv[0], s_upload_dir);
    return -1;
  }
  return 0;
}

int main(int argc, char *argv[]) {
  struct mg_mgr mgr;
  struct mg_connection *nc;
  struct mg_bind_opts opts;
  const char *address = "127.0.0.1:8000", *err = NULL;
  char bound[64];

  if (parse_args(argc, argv, &address) != 0) return EXIT_FAILURE;
  mg_mgr_init(&mgr, NULL);
  memset(&opts, 0, sizeof(opts));
  opts.error_string = &err;
  if ((nc = mg_bind_opt(&mgr, address, ev_handler, opts)) == NULL) {
    fprintf(stderr, "Cannot listen on %s: %s\n", address, err);
    mg_mgr_free(&mgr);
    return EXIT_FAILURE;
  }
  mg_set_protocol_http_websocket(nc);
  mg_register_http_endpoint(nc, "/upload", upload_handler);
  mg_conn_addr_to_str(nc, bound, sizeof(bound),
                      MG_SOCK_STRINGIFY_IP | MG_SOCK_STRINGIFY_PORT);
  printf("Upload form on http://%s/, files go to %s\n", bound, s_upload_dir);
  fflush(stdout);

  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  while (s_stop == 0) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  return EXIT_SUCCESS;
}
