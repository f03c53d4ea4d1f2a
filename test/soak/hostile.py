#!/usr/bin/python3
"""Hostile load against bench/bench_server on the epoll iface, on loopback.

  make hostile            (or test/soak/hostile.py BENCH_SERVER OUTDIR)

1. Slowloris: HOSTILE_LORIS (default 10000) connections each send a request
   head a byte at a time (one byte per connection per second). While they
   are held, a second process makes fresh-connection GETs of a 1 KiB file,
   one after another, and records each latency; the same client first runs
   with no slowloris load as the baseline. Goal: p99 under load < 5 ms. The
   server must close every slowloris connection itself (408) within
   MG_HTTP_HEADER_TIMEOUT + 5 s.
2. Resets: 1000 connections reset (SO_LINGER 0) at each stage of a request:
   right after connecting, inside the request line, inside the headers, in
   a declared body, after the whole request, and in the middle of the
   response. Afterwards the server must still answer, with its descriptors
   back where they were.
3. Never read: a client asks for a 1 GiB file (sparse) and never reads.
   The server's RSS is sampled every second; it must stay flat (growth under
   2 MiB) and the server must close the connection by its idle timeout
   (MG_HTTP_IDLE_TIMEOUT, 60 s) and not much later.

Prints one table of figures; exits 1 if a goal is missed.
"""

import json
import os
import resource
import select
import socket
import struct
import subprocess
import sys
import tempfile
import time

from procstat import free_port, nfds, rss_kib

HEADER_TIMEOUT = 30  # MG_HTTP_HEADER_TIMEOUT
IDLE_TIMEOUT = 60  # MG_HTTP_IDLE_TIMEOUT
LINGER0 = struct.pack("ii", 1, 0)


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    for want in (200000, 65536, hard):
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, want))
            return want
        except (ValueError, OSError):
            continue
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        parts = f.read().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")


def get_once(port, path="/small.txt"):
    s = socket.create_connection(("127.0.0.1", port), 5)
    s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" %
               path).encode())
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    return data


def latency_client(port, seconds):
    """Runs in its own process: fresh GETs for `seconds`, prints JSON."""
    want = None
    lat, fails = [], 0
    end = time.time() + seconds
    while time.time() < end:
        t = time.perf_counter()
        try:
            data = get_once(port)
            dt = time.perf_counter() - t
            if want is None:
                want = data.split(b"\r\n\r\n", 1)[1]
            ok = data.startswith(b"HTTP/1.1 200 ") and data.endswith(want)
        except OSError:
            ok, dt = False, 0
        if ok:
            lat.append(dt * 1000)
        else:
            fails += 1
        time.sleep(0.002)
    print(json.dumps({"lat": lat, "fails": fails}))


def run_latency(port, seconds):
    p = subprocess.run([sys.executable, __file__, "--latency", str(port),
                        str(seconds)], capture_output=True, text=True)
    return summarize(p.stdout)


def summarize(out):
    """The latency client's JSON as counts and percentiles (ms)."""
    r = json.loads(out)
    lat = sorted(r["lat"])
    if not lat:
        return {"n": 0, "fails": r["fails"], "p50": 0, "p99": 0, "max": 0}
    return {"n": len(lat), "fails": r["fails"], "p50": lat[len(lat) // 2],
            "p99": lat[min(len(lat) - 1, int(len(lat) * 0.99))],
            "max": lat[-1]}


def open_many(port, n):
    """n connected non-blocking sockets (connects in batches)."""
    socks = []
    while len(socks) < n:
        batch = []
        for _ in range(min(500, n - len(socks))):
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex(("127.0.0.1", port))
            batch.append(s)
        ep = select.epoll()
        for s in batch:
            ep.register(s.fileno(), select.EPOLLOUT)
        pending = {s.fileno(): s for s in batch}
        end = time.time() + 10
        while pending and time.time() < end:
            for fd, _ in ep.poll(1):
                s = pending.pop(fd, None)
                if s is None:
                    continue
                ep.unregister(fd)
                if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                    socks.append(s)
                else:
                    s.close()
        ep.close()
        for s in pending.values():
            s.close()
    return socks


def phase_loris(port, pid, n, results, bad):
    base = run_latency(port, 5)
    rss0, fd0 = rss_kib(pid), nfds(pid)
    t0 = time.time()
    socks = open_many(port, n)
    opened = time.time() - t0
    head = b"GET /small.txt HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100
    sent = {s: 0 for s in socks}
    born = {s: time.time() for s in socks}
    closed_ok, closed_late, got408 = 0, 0, 0
    ep = select.epoll()
    for s in socks:
        ep.register(s.fileno(), select.EPOLLIN | select.EPOLLRDHUP)
    byfd = {s.fileno(): s for s in socks}
    # The latency client runs while every connection is held and trickling.
    lat_proc = subprocess.Popen(
        [sys.executable, __file__, "--latency", str(port), "15"],
        stdout=subprocess.PIPE, text=True)
    cpu0, rss_peak, fds_peak = cpu_seconds(pid), 0, 0
    deadline = time.time() + HEADER_TIMEOUT + 15
    next_tick = time.time()
    while byfd and time.time() < deadline:
        if time.time() >= next_tick:
            next_tick += 1
            for s in list(byfd.values()):
                if sent[s] < len(head):
                    try:
                        s.send(head[sent[s]:sent[s] + 1])
                        sent[s] += 1
                    except OSError:
                        pass
            rss_peak = max(rss_peak, rss_kib(pid))
            fds_peak = max(fds_peak, nfds(pid))
        for fd, ev in ep.poll(0.05):
            s = byfd.get(fd)
            if s is None:
                continue
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            if data.startswith(b"HTTP/1.1 408"):
                got408 += 1
            if data and not (ev & (select.EPOLLRDHUP | select.EPOLLHUP)):
                continue
            age = time.time() - born[s]
            if age <= HEADER_TIMEOUT + 5:
                closed_ok += 1
            else:
                closed_late += 1
            ep.unregister(fd)
            del byfd[fd]
            s.close()
    cpu_used = cpu_seconds(pid) - cpu0
    out, _ = lat_proc.communicate()
    load = summarize(out)
    still = len(byfd)
    for s in byfd.values():
        s.close()
    ep.close()
    results.append(("slowloris connections held", "%d (opened in %.1f s)" %
                     (len(socks), opened)))
    results.append(("fresh GET, no load: n / p50 / p99 / max ms",
                    "%d / %.2f / %.2f / %.2f" % (base["n"], base["p50"],
                                                 base["p99"], base["max"])))
    results.append(("fresh GET, under slowloris: n / p50 / p99 / max ms",
                    "%d / %.2f / %.2f / %.2f, %d failed" % (
                        load["n"], load["p50"], load["p99"], load["max"],
                        load["fails"])))
    results.append(("server RSS before / peak with slowloris (KiB)",
                    "%d / %d (%.2f KiB per connection)" % (
                        rss0, rss_peak,
                        (rss_peak - rss0) / max(1, len(socks)))))
    results.append(("server descriptors before / peak", "%d / %d" %
                     (fd0, fds_peak)))
    results.append(("server CPU while trickling (s)", "%.2f" % cpu_used))
    results.append(("slowloris closed by server in time / late / never",
                    "%d / %d / %d (408 seen on %d)" % (closed_ok, closed_late,
                                                       still, got408)))
    if len(socks) < n:
        bad.append("only %d of %d slowloris connections opened" %
                   (len(socks), n))
    if load["p99"] >= 5 or load["n"] == 0:
        bad.append("p99 under slowloris %.2f ms (goal < 5)" % load["p99"])
    if load["fails"] or base["fails"]:
        bad.append("fresh GETs failed")
    if closed_late or still:
        bad.append("%d slowloris connections closed late, %d never" %
                   (closed_late, still))


def phase_resets(port, pid, results, bad):
    fd0 = nfds(pid)
    stages = [
        ("after connect", b""),
        ("in the request line", b"GET /small.tx"),
        ("in the headers", b"GET /small.txt HTTP/1.1\r\nHost: x\r\nX-A: b"),
        ("in a declared body", b"POST /small.txt HTTP/1.1\r\nHost: x\r\n"
         b"Content-Length: 100000\r\n\r\n" + b"z" * 5000),
        ("after the request", b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n"),
        ("mid-response", b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n"),
    ]
    rows = []
    for name, data in stages:
        t0 = time.time()
        done = 0
        for _ in range(10):
            socks = open_many(port, 100)
            for s in socks:
                s.setblocking(True)
                s.settimeout(5)
                try:
                    if data:
                        s.sendall(data)
                    if name == "mid-response":
                        s.recv(65536)
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                 LINGER0)
                    done += 1
                except OSError:
                    pass
                s.close()
        rows.append("%s %d in %.1f s" % (name, done, time.time() - t0))
        if done != 1000:
            bad.append("resets %s: %d of 1000" % (name, done))
    time.sleep(1)
    ok = get_once(port).startswith(b"HTTP/1.1 200 ")
    end = time.time() + 10
    while nfds(pid) > fd0 and time.time() < end:
        time.sleep(0.2)
    fd1 = nfds(pid)
    results.append(("resets (1000 per stage)", "; ".join(rows)))
    results.append(("after resets: GET answered, descriptors before / after",
                    "%s, %d / %d" % ("yes" if ok else "NO", fd0, fd1)))
    if not ok or fd1 > fd0:
        bad.append("server after resets: GET ok %s, fds %d -> %d" %
                   (ok, fd0, fd1))


def phase_never_read(port, pid, results, bad):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    fd0 = nfds(pid)  # Without this connection
    s.connect(("127.0.0.1", port))
    s.sendall(b"GET /1g.bin HTTP/1.1\r\nHost: x\r\n\r\n")
    t0 = time.time()
    while nfds(pid) <= fd0 and time.time() - t0 < 5:
        time.sleep(0.01)  # Accepted, and the file opened
    fd0 += 1
    rss = []
    closed_at = None
    while time.time() - t0 < IDLE_TIMEOUT + 20:
        time.sleep(1)
        rss.append(rss_kib(pid))
        if nfds(pid) < fd0:  # The socket (and the file) closed
            closed_at = time.time() - t0
            break
    s.close()
    growth = max(rss) - rss[0] if rss else 0
    results.append(("1 GiB never read: RSS first / max / last (KiB)",
                    "%d / %d / %d" % (rss[0], max(rss), rss[-1])))
    results.append(("1 GiB never read: closed by the server after (s)",
                    "%.1f" % closed_at if closed_at else "NOT CLOSED"))
    if growth > 2048:
        bad.append("RSS grew %d KiB while a response sat unread" % growth)
    if closed_at is None or closed_at > IDLE_TIMEOUT + 10:
        bad.append("unread download not closed by the idle timeout")


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--latency":
        latency_client(int(sys.argv[2]), float(sys.argv[3]))
        return
    server = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        "build", "hostile", "bench_server")
    outdir = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
        "build", "hostile")
    nloris = int(os.environ.get("HOSTILE_LORIS", "10000"))
    os.makedirs(outdir, exist_ok=True)
    limit = raise_nofile()
    if limit < nloris + 1000:
        sys.exit("RLIMIT_NOFILE %d is too low for %d connections" %
                 (limit, nloris))
    tmp = tempfile.mkdtemp(prefix="mg-hostile-")
    with open(os.path.join(tmp, "small.txt"), "wb") as f:
        f.write(b"x" * 1024)
    with open(os.path.join(tmp, "big.bin"), "wb") as f:
        f.write(os.urandom(4 << 20))
    with open(os.path.join(tmp, "1g.bin"), "wb") as f:
        f.truncate(1 << 30)
    port = free_port()
    log = open(os.path.join(outdir, "server.log"), "w")
    srv = subprocess.Popen([server, "-l", "127.0.0.1:%d" % port, "-d", tmp,
                            "-i", "epoll"], stdout=subprocess.PIPE,
                           stderr=log, text=True)
    if srv.stdout.readline().strip() != "ready":
        sys.exit("bench_server did not start")
    results, bad = [], []
    try:
        phase_loris(port, srv.pid, nloris, results, bad)
        phase_resets(port, srv.pid, results, bad)
        phase_never_read(port, srv.pid, results, bad)
    finally:
        alive = srv.poll() is None
        srv.terminate()
        try:
            srv.wait(10)
        except subprocess.TimeoutExpired:
            srv.kill()
        subprocess.run(["rm", "-rf", tmp])
    if not alive:
        bad.append("the server died (status %s)" % srv.returncode)
    print("hostile load, bench_server -i epoll, RLIMIT_NOFILE %d" % limit)
    for k, v in results:
        print("  %-55s %s" % (k, v))
    if bad:
        print("HOSTILE FAILED: " + "; ".join(bad))
        sys.exit(1)
    print("HOSTILE PASSED")


if __name__ == "__main__":
    main()
