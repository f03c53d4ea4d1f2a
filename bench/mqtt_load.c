// MQTT load generator for `make bench` (bench/mqtt.sh; see bench/README.md).
// Linux, plain libc: its own tiny MQTT 3.1.1 encoder and parser, not
// mongoose's, so that every broker faces the same client.
//
//   mqtt_load -p PORT [-q QOS] [-s SUBS] [-t SECONDS] [-w WINDOW] [-n COUNT]
//
// SUBS subscribers (default 1) subscribe to "bench/t" at QOS (0 or 1),
// then one publisher publishes 64-byte payloads to it as fast as the
// window allows, for SECONDS (default 5) or until COUNT messages (then
// SECONDS is only a cap). Each payload starts with its sequence number.
// The window: the publisher never runs more than WINDOW (default 1000)
// messages ahead of the slowest subscriber (by the highest sequence number
// each has seen, so a lost message does not stall it), and at QoS 1 never
// has more than WINDOW PUBLISHes without their PUBACK. Subscribers at
// QoS 1 acknowledge every PUBLISH. After the last publish it waits up to
// 3 s for the deliveries still on their way.
//
// Prints one line:
//   qos Q subs N published P delivered D lost L disorder X seconds S
//   msgs_per_s R pub_per_s R2
// delivered counts every PUBLISH the subscribers got; lost = N x P - D
// (negative if duplicates came); disorder counts deliveries whose sequence
// number was not higher than the previous one of that subscriber;
// msgs_per_s = D over the time from the first publish to the last delivery.
// Exit 0; 1 on a setup error (connect, CONNACK, SUBACK: said on stderr);
// 2 if a connection closed during the run.
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define TOPIC "bench/t"
#define TOPIC_LEN 7
#define PAYLOAD_LEN 64
#define MAX_SUBS 1000
#define IN_CAP 65536
#define OUT_CAP (1024 * 1024)

struct conn {
  int fd;
  unsigned char in[IN_CAP];
  size_t in_len;
  unsigned char *out;  // Pending bytes (OUT_CAP)
  size_t out_len;
  uint64_t received;  // PUBLISH packets (subscribers)
  int64_t last_seq;   // Highest sequence number seen, -1: none
  uint64_t disorder;
  int got_connack, got_suback, suback_code;
};

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what) {
  fprintf(stderr, "mqtt_load: %s\n", what);
  exit(1);
}

static size_t put_len(unsigned char *p, size_t n) {
  size_t i = 0;
  do {
    unsigned char b = (unsigned char) (n % 128);
    n /= 128;
    p[i++] = (unsigned char) (b | (n > 0 ? 0x80 : 0));
  } while (n > 0);
  return i;
}

static void queue(struct conn *c, const void *p, size_t n) {
  if (c->out_len + n > OUT_CAP) die("output buffer full");
  memcpy(c->out + c->out_len, p, n);
  c->out_len += n;
}

// Writes what the socket takes. Returns -1 if the connection is gone.
static int flush_out(struct conn *c) {
  while (c->out_len > 0) {
    ssize_t k = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL);
    if (k < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
    memmove(c->out, c->out + k, c->out_len - (size_t) k);
    c->out_len -= (size_t) k;
  }
  return 0;
}

static void send_connect(struct conn *c, const char *id) {
  unsigned char b[64];
  size_t idlen = strlen(id), n = 0, rem = 10 + 2 + idlen;
  b[n++] = 0x10;
  n += put_len(b + n, rem);
  memcpy(b + n, "\x00\x04MQTT\x04\x02\x00\x00", 10);  // Clean, no keep-alive
  n += 10;
  b[n++] = 0;
  b[n++] = (unsigned char) idlen;
  memcpy(b + n, id, idlen);
  n += idlen;
  queue(c, b, n);
}

static void send_subscribe(struct conn *c, int qos) {
  unsigned char b[32];
  size_t n = 0;
  b[n++] = 0x82;
  b[n++] = (unsigned char) (2 + 2 + TOPIC_LEN + 1);
  b[n++] = 0;
  b[n++] = 1;  // Packet id
  b[n++] = 0;
  b[n++] = TOPIC_LEN;
  memcpy(b + n, TOPIC, TOPIC_LEN);
  n += TOPIC_LEN;
  b[n++] = (unsigned char) qos;
  queue(c, b, n);
}

static void send_publish(struct conn *c, int qos, uint64_t seq, uint16_t id) {
  unsigned char b[128];
  size_t n = 0, rem = 2 + TOPIC_LEN + (qos > 0 ? 2 : 0) + PAYLOAD_LEN;
  int i;
  b[n++] = (unsigned char) (0x30 | (qos << 1));
  n += put_len(b + n, rem);
  b[n++] = 0;
  b[n++] = TOPIC_LEN;
  memcpy(b + n, TOPIC, TOPIC_LEN);
  n += TOPIC_LEN;
  if (qos > 0) {
    b[n++] = (unsigned char) (id >> 8);
    b[n++] = (unsigned char) id;
  }
  for (i = 7; i >= 0; i--) b[n++] = (unsigned char) (seq >> (8 * i));
  memset(b + n, 'x', PAYLOAD_LEN - 8);
  n += PAYLOAD_LEN - 8;
  queue(c, b, n);
}

static uint64_t s_acked;  // PUBACKs the publisher got

// Parses every whole packet in c->in. Returns -1 on a malformed stream.
static int parse(struct conn *c) {
  size_t off = 0;
  while (c->in_len - off >= 2) {
    unsigned char *p = c->in + off;
    size_t rem = 0, mul = 1, i = 1, hdr;
    int whole = 0;
    while (i < c->in_len - off) {
      rem += (size_t) (p[i] & 0x7f) * mul;
      mul *= 128;
      if (!(p[i++] & 0x80)) {
        whole = 1;
        break;
      }
      if (i > 4) return -1;  // A fifth length byte
    }
    hdr = i;
    if (!whole || c->in_len - off < hdr + rem) break;
    switch (p[0] >> 4) {
      case 2:  // CONNACK
        if (rem != 2 || p[hdr + 1] != 0) return -1;
        c->got_connack = 1;
        break;
      case 9:  // SUBACK
        if (rem != 3) return -1;
        c->got_suback = 1;
        c->suback_code = p[hdr + 2];
        break;
      case 4:  // PUBACK
        s_acked++;
        break;
      case 3: {  // PUBLISH
        int qos = (p[0] >> 1) & 3;
        size_t tl = (size_t) p[hdr] << 8 | p[hdr + 1];
        size_t at = hdr + 2 + tl + (qos > 0 ? 2 : 0);
        int64_t seq = 0;
        int k;
        if (at + 8 > hdr + rem) return -1;
        for (k = 0; k < 8; k++) seq = seq << 8 | p[at + k];
        c->received++;
        if (seq <= c->last_seq) c->disorder++;
        if (seq > c->last_seq) c->last_seq = seq;
        if (qos > 0) {
          unsigned char ack[4] = {0x40, 2, p[hdr + 2 + tl],
                                  p[hdr + 2 + tl + 1]};
          queue(c, ack, 4);
        }
        break;
      }
      default:
        break;
    }
    off += hdr + rem;
  }
  memmove(c->in, c->in + off, c->in_len - off);
  c->in_len -= off;
  return 0;
}

// Reads what there is. Returns -1 if the connection closed.
static int read_in(struct conn *c) {
  for (;;) {
    ssize_t k = recv(c->fd, c->in + c->in_len, IN_CAP - c->in_len, 0);
    if (k == 0) return -1;
    if (k < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
    c->in_len += (size_t) k;
    if (parse(c) < 0) return -1;
    if (c->in_len == IN_CAP) return -1;
  }
}

static struct conn *open_conn(const char *host, int port) {
  struct sockaddr_in sa;
  struct conn *c = (struct conn *) calloc(1, sizeof(*c));
  int one = 1;
  if (c == NULL || (c->out = (unsigned char *) malloc(OUT_CAP)) == NULL) {
    die("out of memory");
  }
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t) port);
  if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) die("bad host");
  if ((c->fd = socket(AF_INET, SOCK_STREAM, 0)) < 0) die("socket");
  if (connect(c->fd, (struct sockaddr *) &sa, sizeof(sa)) != 0) {
    die("connect failed");
  }
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL, 0) | O_NONBLOCK);
  c->last_seq = -1;
  return c;
}

// Polls every connection once (timeout ms); -1 if one closed.
static int pump(struct conn **cs, int n, struct pollfd *pfd, int ms) {
  int i;
  for (i = 0; i < n; i++) {
    pfd[i].fd = cs[i]->fd;
    pfd[i].events = (short) (POLLIN | (cs[i]->out_len > 0 ? POLLOUT : 0));
    pfd[i].revents = 0;
  }
  if (poll(pfd, (nfds_t) n, ms) < 0 && errno != EINTR) return -1;
  for (i = 0; i < n; i++) {
    if (pfd[i].revents & (POLLIN | POLLERR | POLLHUP)) {
      if (read_in(cs[i]) < 0) return -1;
    }
    if (cs[i]->out_len > 0 && flush_out(cs[i]) < 0) return -1;
  }
  return 0;
}

int main(int argc, char **argv) {
  const char *host = "127.0.0.1";
  int port = 0, qos = 0, nsubs = 1, i, opt, closed = 0;
  double secs = 5, t0, t_end, t_last = 0, deadline;
  uint64_t window = 1000, count = 0, published = 0, delivered = 0, dis = 0;
  uint16_t id = 0;
  struct conn **cs, *pub;
  struct pollfd *pfd;
  char name[32];
  while ((opt = getopt(argc, argv, "h:p:q:s:t:w:n:")) != -1) {
    switch (opt) {
      case 'h':
        host = optarg;
        break;
      case 'p':
        port = atoi(optarg);
        break;
      case 'q':
        qos = atoi(optarg);
        break;
      case 's':
        nsubs = atoi(optarg);
        break;
      case 't':
        secs = atof(optarg);
        break;
      case 'w':
        window = strtoull(optarg, NULL, 10);
        break;
      case 'n':
        count = strtoull(optarg, NULL, 10);
        break;
      default:
        fprintf(stderr,
                "usage: %s -p PORT [-h HOST] [-q 0|1] [-s SUBS] "
                "[-t SECONDS] [-w WINDOW] [-n COUNT]\n",
                argv[0]);
        return 1;
    }
  }
  if (port <= 0 || qos < 0 || qos > 1 || nsubs < 1 || nsubs > MAX_SUBS ||
      window < 1 || window > 60000 || secs <= 0) {
    die("bad arguments (PORT required; QoS 0 or 1; 1..1000 subscribers; "
        "window 1..60000)");
  }
  cs = (struct conn **) calloc((size_t) nsubs + 1, sizeof(*cs));
  pfd = (struct pollfd *) calloc((size_t) nsubs + 1, sizeof(*pfd));
  if (cs == NULL || pfd == NULL) die("out of memory");
  for (i = 0; i < nsubs; i++) {
    cs[i] = open_conn(host, port);
    snprintf(name, sizeof(name), "load-sub-%d", i);
    send_connect(cs[i], name);
    send_subscribe(cs[i], qos);
  }
  pub = cs[nsubs] = open_conn(host, port);
  send_connect(pub, "load-pub");
  // Every CONNACK and SUBACK, within 10 s.
  deadline = now() + 10;
  for (;;) {
    int ready = pub->got_connack;
    for (i = 0; i < nsubs; i++) {
      ready = ready && cs[i]->got_connack && cs[i]->got_suback;
    }
    if (ready) break;
    if (now() > deadline) die("no CONNACK or SUBACK within 10 s");
    if (pump(cs, nsubs + 1, pfd, 10) < 0) die("connection closed in setup");
  }
  for (i = 0; i < nsubs; i++) {
    if (cs[i]->suback_code != qos) die("SUBACK did not grant the QoS asked");
  }
  t0 = now();
  t_end = t0 + secs;
  for (;;) {
    double t = now();
    int64_t slowest = INT64_MAX;
    uint64_t total = 0;
    for (i = 0; i < nsubs; i++) {
      if (cs[i]->last_seq < slowest) slowest = cs[i]->last_seq;
      total += cs[i]->received;
    }
    if (total > delivered) {
      delivered = total;
      t_last = t;
    }
    if (t < t_end && (count == 0 || published < count)) {
      // Ahead of the slowest subscriber by less than the window, and (QoS
      // 1) fewer than the window unacknowledged.
      while (published - (uint64_t) (slowest + 1) < window &&
             (qos == 0 || published - s_acked < window) &&
             (count == 0 || published < count) &&
             pub->out_len < OUT_CAP - 256) {
        if (qos > 0 && ++id == 0) id = 1;
        send_publish(pub, qos, published++, id);
      }
    } else {
      if (slowest + 1 >= (int64_t) published &&
          (qos == 0 || s_acked >= published)) {
        break;
      }
      if (t > (t_last > t_end ? t_last : t_end) + 3) break;  // The rest is lost
    }
    if (pump(cs, nsubs + 1, pfd, 1) < 0) {
      closed = 1;
      break;
    }
  }
  for (i = 0; i < nsubs; i++) dis += cs[i]->disorder;
  delivered = 0;
  for (i = 0; i < nsubs; i++) delivered += cs[i]->received;
  {
    double el = t_last > t0 ? t_last - t0 : now() - t0;
    printf(
        "qos %d subs %d published %llu delivered %llu lost %lld disorder "
        "%llu seconds %.3f msgs_per_s %.0f pub_per_s %.0f%s\n",
        qos, nsubs, (unsigned long long) published,
        (unsigned long long) delivered,
        (long long) ((int64_t) published * nsubs - (int64_t) delivered),
        (unsigned long long) dis, el, delivered / el, published / el,
        closed ? " closed" : "");
  }
  for (i = 0; i <= nsubs; i++) {
    close(cs[i]->fd);
    free(cs[i]->out);
    free(cs[i]);
  }
  free(cs);
  free(pfd);
  return closed ? 2 : 0;
}
