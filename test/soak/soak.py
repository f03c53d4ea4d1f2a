#!/usr/bin/python3
"""Soak: the example servers under a long mixed load from real clients.

  make soak [SOAK_SECONDS=600]        (or test/soak/soak.py SECONDS OUTDIR)

Three example servers run on loopback, each on an ephemeral port:
examples/http_server (a generated document root), examples/websocket_chat
(its relay is the WebSocket echo) and examples/big_upload (multipart uploads
streamed to a scratch directory). Until SOAK_SECONDS have passed they are
loaded by:

  wrk       keep-alive GETs of a 1 KiB file, 5 s bursts with 5 s pauses
  curl      Connection: close GETs (1 KiB and 256 KiB files), each body
            compared with the file
  uploads   curl -F of a 1 MiB file; the saved copy is compared and removed
  ws        python websockets clients; every message must come back whole
            and in order (the relay also sends the other clients' messages)
  slow      readers of an 8 MiB file, 16 KiB every 10 ms, body compared
  loris     100 slowloris connections sending a request head a byte a
            second; the server must close each within its header timeout
  reset     clients that reset (SO_LINGER 0) at a random stage of a request:
            after connecting, mid-head, after the head, mid-response

Every second the RSS, the open descriptors and the established connections
of each server are sampled. The run fails when a request fails that should
not, a byte served differs, a server dies, or one of the samples grows: the
maximum over the last third of the run is compared with the maximum over the
first third after a 10% warm-up, allowing RSS 10% + 1 MiB and descriptors and
connections 20% + 10 (the load's own swing). It prints a table and writes
samples.csv, soak.svg (RSS and descriptors over time) and the servers' logs
to OUTDIR.
"""

import asyncio
import hashlib
import os
import random
import re
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

from procstat import free_port, nfds, rss_kib

HEADER_TIMEOUT = 30  # MG_HTTP_HEADER_TIMEOUT in src/config.h
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))

lock = threading.Lock()
stats = {}  # client kind -> {"ok": n, "fail": n}
failures = []  # first failure messages


def count(kind, ok, why=""):
    with lock:
        s = stats.setdefault(kind, {"ok": 0, "fail": 0})
        s["ok" if ok else "fail"] += 1
        if not ok and len(failures) < 50:
            failures.append("%s: %s" % (kind, why))


def wait_port(port, proc, deadline=10):
    end = time.time() + deadline
    while time.time() < end:
        if proc.poll() is not None:
            raise SystemExit("server exited at start (status %s)" %
                             proc.returncode)
        try:
            socket.create_connection(("127.0.0.1", port), 1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("server on port %d did not start" % port)


def http_get_raw(port, path, extra=b""):
    return (b"GET " + path.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1:" +
            str(port).encode() + b"\r\n" + extra + b"\r\n")


def read_response(sock):
    """Reads one response with a Content-Length; returns (status, body)."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise OSError("closed in head")
        buf += chunk
    head, body = buf.split(b"\r\n\r\n", 1)
    status = int(head.split(b" ", 2)[1])
    m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    if not m:
        raise OSError("no Content-Length")
    want = int(m.group(1))
    return status, head, body, want


# ---------------------------------------------------------------- clients


def run_wrk(port, stop):
    url = "http://127.0.0.1:%d/small.txt" % port
    while not stop.is_set():
        p = subprocess.run(["wrk", "-t1", "-c16", "-d5s", url],
                           capture_output=True, text=True)
        out = p.stdout
        m = re.search(r"(\d+) requests in", out)
        errs = re.search(r"Socket errors: (.*)", out)
        non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        if p.returncode != 0 or not m or errs or non2xx:
            count("wrk", False, (errs.group(0) if errs else "") +
                  (non2xx.group(0) if non2xx else "") + p.stderr[-200:])
        else:
            with lock:
                s = stats.setdefault("wrk", {"ok": 0, "fail": 0})
                s["ok"] += int(m.group(1))
        stop.wait(5)


def run_curl_close(port, files, tmp, stop):
    names = ["small.txt", "mid.bin"]
    while not stop.is_set():
        args = ["curl", "-s", "--fail", "-H", "Connection: close"]
        outs = []
        for i in range(10):
            name = names[i % 2]
            out = os.path.join(tmp, "curl%d" % i)
            outs.append((name, out))
            args += ["http://127.0.0.1:%d/%s" % (port, name), "-o", out]
        p = subprocess.run(args, capture_output=True)
        for name, out in outs:
            try:
                with open(out, "rb") as f:
                    ok = p.returncode == 0 and f.read() == files[name]
            except OSError:
                ok = False
            count("curl close", ok, "curl rc %d %s" % (p.returncode, name))
            try:
                os.unlink(out)
            except OSError:
                pass
        stop.wait(0.05)


def run_uploads(port, files, src, updir, stop):
    n = 0
    while not stop.is_set():
        name = "up%d.bin" % n
        n += 1
        p = subprocess.run(
            ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-F",
             "file=@%s;filename=%s" % (src, name),
             "http://127.0.0.1:%d/upload" % port], capture_output=True,
            text=True)
        saved = os.path.join(updir, name)
        try:
            with open(saved, "rb") as f:
                same = f.read() == files["mid1m.bin"]
            os.unlink(saved)
        except OSError:
            same = False
        count("upload", p.returncode == 0 and p.stdout == "200" and same,
              "rc %d code %s same %s" % (p.returncode, p.stdout, same))
        stop.wait(0.2)


def run_ws(port, stop, nclients=4):
    import websockets

    async def client(cid):
        while not stop.is_set():
            try:
                async with websockets.connect(
                        "ws://127.0.0.1:%d/ws" % port,
                        max_size=1 << 20) as ws:
                    for seq in range(200):
                        if stop.is_set():
                            break
                        body = "c%d-%d-" % (cid, seq)
                        body += hashlib.sha256(body.encode()).hexdigest() * (
                            1 + seq % 8)
                        await ws.send(body)
                        # Others' messages may come first; our own must
                        # come back next among ours, intact.
                        while True:
                            got = await asyncio.wait_for(ws.recv(), 10)
                            m = re.match(r"c(\d+)-(\d+)-", got)
                            if not m:
                                count("ws", False, "bad message %r" %
                                      got[:40])
                                break
                            c, s = int(m.group(1)), int(m.group(2))
                            want = m.group(0)
                            want += hashlib.sha256(want.encode()).hexdigest(
                            ) * (1 + s % 8)
                            if got != want:
                                count("ws", False, "corrupt %r" % got[:40])
                                break
                            if c == cid:
                                count("ws", s == seq, "order %d/%d" %
                                      (s, seq))
                                break
                        await asyncio.sleep(0.01)
            except Exception as e:  # noqa: BLE001 - counted as a failure
                count("ws", False, "%s: %s" % (type(e).__name__, e))
                await asyncio.sleep(0.5)

    async def main():
        await asyncio.gather(*[client(i) for i in range(nclients)])

    asyncio.run(main())


def run_slow_reader(port, files, stop):
    want = files["big.bin"]
    while not stop.is_set():
        try:
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
            s.settimeout(30)
            s.connect(("127.0.0.1", port))
            s.sendall(http_get_raw(port, "/big.bin"))
            status, head, body, n = read_response(s)
            while len(body) < n:
                chunk = s.recv(16384)
                if not chunk:
                    break
                body += chunk
                time.sleep(0.01)
            s.close()
            count("slow reader", status == 200 and body == want,
                  "status %d, %d of %d bytes" % (status, len(body), n))
        except OSError as e:
            count("slow reader", False, str(e))


def run_loris(port, stop, n=100):
    head = http_get_raw(port, "/small.txt", b"X-Slow: " + b"a" * 200 +
                        b"\r\n")
    conns = []  # [sock, bytes sent, opened at]
    longest = [0.0]

    def open_one():
        s = socket.socket()
        s.connect(("127.0.0.1", port))
        s.setblocking(False)
        conns.append([s, 0, time.time()])

    for _ in range(n):
        open_one()
    while not stop.is_set():
        for c in list(conns):
            s, sent, opened = c
            closed = False
            try:
                if s.recv(4096) == b"":
                    closed = True
            except BlockingIOError:
                pass
            except OSError:
                closed = True
            if not closed and sent < len(head) - 2:
                try:
                    s.send(head[sent:sent + 1])
                    c[1] += 1
                except BlockingIOError:
                    pass
                except OSError:
                    closed = True
            age = time.time() - opened
            if closed:
                s.close()
                conns.remove(c)
                longest[0] = max(longest[0], age)
                count("loris", age <= HEADER_TIMEOUT + 5,
                      "closed after %.1f s" % age)
                open_one()
            elif age > HEADER_TIMEOUT + 5:
                count("loris", False, "still open after %.1f s" % age)
                s.close()
                conns.remove(c)
                open_one()
        stop.wait(1)
    for c in conns:
        c[0].close()
    with lock:
        stats.setdefault("loris", {"ok": 0, "fail": 0})["longest"] = \
            longest[0]


def run_reset(port, stop):
    linger = struct.pack("ii", 1, 0)
    stage = 0
    while not stop.is_set():
        stage = (stage + 1) % 4
        try:
            s = socket.socket()
            s.connect(("127.0.0.1", port))
            if stage == 1:
                s.sendall(b"GET /mid.bin HTTP/1.1\r\nHo")
            elif stage >= 2:
                s.sendall(http_get_raw(port, "/big.bin"))
            if stage == 3:
                s.recv(32768)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
            s.close()
            count("reset", True)
        except OSError as e:
            count("reset", False, str(e))
        stop.wait(0.02)


# --------------------------------------------------------------- sampling

statuses = {}  # status code (bytes) -> requests the http_server logged


def count_statuses(pipe, log):
    n = 0
    for line in pipe:
        if line.startswith(b"Serving "):
            continue
        parts = line.split()
        code = parts[3] if len(parts) >= 5 else b"?"
        statuses[code] = statuses.get(code, 0) + 1
        n += 1
        if n <= 100 or code.startswith(b"5") or code == b"?":
            log.write(line)
    log.close()



def established(port):
    n = 0
    want = ":%04X" % port
    for path in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(path) as f:
                for line in f.readlines()[1:]:
                    parts = line.split()
                    if parts[1].endswith(want) and parts[3] == "01":
                        n += 1
        except OSError:
            pass
    return n


def svg_plot(path, times, series):
    """series: list of (title, unit, {name: [values]})."""
    w, h, pad = 760, 220, 50
    colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'font-family="sans-serif" font-size="12">' %
           (w, h * len(series) + 20)]
    out.append('<rect width="100%" height="100%" fill="white"/>')
    tmax = max(times[-1], 1)
    for i, (title, unit, lines) in enumerate(series):
        y0 = i * h + 20
        vmax = max([max(v) for v in lines.values() if v] + [1]) * 1.15
        out.append('<text x="%d" y="%d" font-weight="bold">%s</text>' %
                   (pad, y0 - 4, title))
        out.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" '
                   'stroke="#888"/>' % (pad, y0, w - 2 * pad, h - 50))
        for k in range(5):
            v = vmax * k / 4
            y = y0 + (h - 50) * (1 - k / 4)
            out.append('<text x="4" y="%.0f">%.1f %s</text>' % (y + 4, v,
                                                                 unit))
        for j, (name, vals) in enumerate(lines.items()):
            pts = " ".join("%.1f,%.1f" % (
                pad + (w - 2 * pad) * t / tmax,
                y0 + (h - 50) * (1 - v / vmax)) for t, v in zip(times, vals))
            c = colors[j % len(colors)]
            out.append('<polyline fill="none" stroke="%s" stroke-width="1.5" '
                       'points="%s"/>' % (c, pts))
            out.append('<text x="%d" y="%d" fill="%s">%s</text>' %
                       (pad + 10 + 160 * j, y0 + h - 30, c, name))
        out.append('<text x="%d" y="%d">0 s</text><text x="%d" y="%d">'
                   '%.0f s</text>' % (pad, y0 + h - 38, w - pad - 30,
                                      y0 + h - 38, tmax))
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out))


def grows(vals, frac, slack):
    n = len(vals)
    if n < 10:
        return False, 0, 0
    start = n // 10
    first = vals[start:start + (n - start) // 3]
    last = vals[n - (n - start) // 3:]
    a, b = max(first), max(last)
    return b > a * (1 + frac) + slack, a, b


def main():
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 600
    outdir = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
        ROOT, "build", "soak")
    os.makedirs(outdir, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="mg-soak-")
    docroot = os.path.join(tmp, "root")
    updir = os.path.join(tmp, "uploads")
    os.makedirs(docroot)
    os.makedirs(updir)
    rnd = random.Random(7)
    files = {
        "small.txt": (b"soak test line\n" * 70)[:1024],
        "mid.bin": bytes(rnd.getrandbits(8) for _ in range(256 * 1024)),
        "big.bin": os.urandom(8 << 20),
        "mid1m.bin": os.urandom(1 << 20),
    }
    for name, data in files.items():
        with open(os.path.join(docroot, name), "wb") as f:
            f.write(data)
    ex = os.path.join(ROOT, "examples")
    ports = {"http_server": free_port(), "websocket_chat": free_port(),
             "big_upload": free_port()}
    cmds = {
        "http_server": [os.path.join(ex, "http_server", "http_server"), "-d",
                        docroot, "-p", "127.0.0.1:%d" % ports["http_server"]],
        "websocket_chat": [os.path.join(ex, "websocket_chat",
                                        "websocket_chat"),
                           "-p", "127.0.0.1:%d" % ports["websocket_chat"]],
        "big_upload": [os.path.join(ex, "big_upload", "big_upload"), "-p",
                       "127.0.0.1:%d" % ports["big_upload"], "-u", updir],
    }
    procs = {}
    readers = []
    for name, cmd in cmds.items():
        log = open(os.path.join(outdir, name + ".log"), "wb")
        if name == "http_server":
            # Its request log ("PEER METHOD URI STATUS BYTES", a line per
            # request) is counted by status, not kept: only the first lines
            # and every 5xx line reach the log file.
            procs[name] = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                           stderr=log)
            t = threading.Thread(target=count_statuses,
                                 args=(procs[name].stdout, log))
            t.start()
            readers.append(t)
        else:
            procs[name] = subprocess.Popen(cmd, stdout=log, stderr=log)
    for name, p in procs.items():
        wait_port(ports[name], p)

    stop = threading.Event()
    hp = ports["http_server"]
    src_up = os.path.join(docroot, "mid1m.bin")
    threads = [
        threading.Thread(target=run_wrk, args=(hp, stop)),
        threading.Thread(target=run_curl_close, args=(hp, files, tmp, stop)),
        threading.Thread(target=run_uploads, args=(ports["big_upload"], files,
                                                   src_up, updir, stop)),
        threading.Thread(target=run_ws, args=(ports["websocket_chat"], stop)),
        threading.Thread(target=run_slow_reader, args=(hp, files, stop)),
        threading.Thread(target=run_slow_reader, args=(hp, files, stop)),
        threading.Thread(target=run_loris, args=(hp, stop)),
        threading.Thread(target=run_reset, args=(hp, stop)),
    ]
    for t in threads:
        t.daemon = True
        t.start()

    times = []
    samples = {n: {"rss": [], "fds": [], "conns": []} for n in procs}
    t0 = time.time()
    died = []
    with open(os.path.join(outdir, "samples.csv"), "w") as csv:
        csv.write("t," + ",".join("%s_rss_kib,%s_fds,%s_conns" % (n, n, n)
                                  for n in procs) + "\n")
        while time.time() - t0 < seconds:
            time.sleep(1)
            row = []
            for n, p in procs.items():
                if p.poll() is not None:
                    died.append("%s exited with status %s" % (n, p.returncode))
                    stop.set()
                    break
                rss, fds = rss_kib(p.pid), nfds(p.pid)
                conns = established(ports[n])
                samples[n]["rss"].append(rss)
                samples[n]["fds"].append(fds)
                samples[n]["conns"].append(conns)
                row += [rss, fds, conns]
            if died:
                break
            times.append(time.time() - t0)
            csv.write("%.1f,%s\n" % (times[-1], ",".join(map(str, row))))
            csv.flush()
    stop.set()
    for t in threads:
        t.join(40)
    for n, p in procs.items():
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for n, p in procs.items():
        try:
            st = p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            st = "killed"
        if st not in (0, -signal.SIGTERM) and not any(
                d.startswith(n) for d in died):
            died.append("%s ended with status %s" % (n, st))

    for t in readers:
        t.join(10)
    svg_plot(os.path.join(outdir, "soak.svg"), times, [
        ("RSS", "MiB", {n: [v / 1024 for v in samples[n]["rss"]]
                        for n in procs}),
        ("Open descriptors", "", {n: samples[n]["fds"] for n in procs}),
    ])

    bad = list(died)
    print("soak: %d s, outputs in %s" % (seconds, outdir))
    print("%-15s %-6s %8s %8s %8s %8s  %s" % ("server", "metric", "start",
                                               "min", "max", "end", "grows"))
    for n in procs:
        for metric, frac, slack in (("rss", 0.10, 1024), ("fds", 0.2, 10),
                                    ("conns", 0.2, 10)):
            v = samples[n][metric]
            if not v:
                continue
            g, a, b = grows(v, frac, slack)
            print("%-15s %-6s %8d %8d %8d %8d  %s" % (
                n, metric, v[0], min(v), max(v), v[-1],
                "YES (%d -> %d)" % (a, b) if g else "no"))
            if g:
                bad.append("%s %s grows: %d -> %d" % (n, metric, a, b))
    print("(rss in KiB)")
    print("%-12s %9s %6s" % ("client", "ok", "failed"))
    for kind, s in sorted(stats.items()):
        extra = ""
        if "longest" in s:
            extra = "  longest slowloris connection %.1f s" % s["longest"]
        print("%-12s %9d %6d%s" % (kind, s["ok"], s["fail"], extra))
        if s["fail"]:
            bad.append("%d %s failures" % (s["fail"], kind))
        if s["ok"] == 0 and (kind != "loris" or seconds > HEADER_TIMEOUT + 10):
            bad.append("no %s request succeeded" % kind)
    print("http_server log, requests by status: " + ", ".join(
        "%s %d" % (k.decode(), v) for k, v in sorted(statuses.items())))
    for k, v in statuses.items():
        if k.startswith(b"5") or k == b"?":
            bad.append("%d requests answered %s" % (v, k.decode()))
    for f in failures[:20]:
        print("  failure: " + f)
    subprocess.run(["rm", "-rf", tmp])
    if bad:
        print("SOAK FAILED: " + "; ".join(bad))
        sys.exit(1)
    print("SOAK PASSED")


if __name__ == "__main__":
    main()
