#!/usr/bin/python3
"""A strict oracle for our HTTP/1.1 response framing.

Usage: h11_check.py PORT DOCROOT
Sends requests to our server on 127.0.0.1:PORT (sequential, pipelined,
and one with Connection: close) and parses every response with h11, which
fails on any framing error. DOCROOT is the directory the server serves
(hello.txt and big.bin are read from it to compare bodies).
Exit code 0 means every response was well-formed and as expected.
Run it with /usr/bin/python3 (Debian's python3-h11).
"""
import socket
import sys
import traceback

import h11

HELLO = b"Hello, world\n"
CHUNKED = b"chunk 0;chunk 1;chunk 2;chunk 3;chunk 4;last"


class Client:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.conn = h11.Connection(our_role=h11.CLIENT)
        self.count = 0

    @staticmethod
    def request_bytes(method, target, headers=()):
        """The bytes of a request, as h11 itself would send them."""
        scratch = h11.Connection(our_role=h11.CLIENT)
        hdrs = [("Host", "127.0.0.1")] + list(headers)
        data = scratch.send(h11.Request(method=method, target=target,
                                        headers=hdrs))
        return data + scratch.send(h11.EndOfMessage())

    def expect(self, method, target, headers=(), already_sent=False):
        """Sends a request (unless it is already on the wire, pipelined)
        and returns (response, body) once h11 has parsed the response."""
        if self.conn.our_state is h11.DONE and self.conn.their_state is h11.DONE:
            self.conn.start_next_cycle()
        hdrs = [("Host", "127.0.0.1")] + list(headers)
        data = self.conn.send(h11.Request(method=method, target=target,
                                          headers=hdrs))
        data += self.conn.send(h11.EndOfMessage())
        if not already_sent:
            self.sock.sendall(data)
        resp, body = None, b""
        while True:
            ev = self.conn.next_event()
            if ev is h11.NEED_DATA:
                self.conn.receive_data(self.sock.recv(65536))
            elif isinstance(ev, h11.InformationalResponse):
                continue
            elif isinstance(ev, h11.Response):
                resp = ev
            elif isinstance(ev, h11.Data):
                body += ev.data
            elif isinstance(ev, h11.EndOfMessage):
                break
            else:
                raise AssertionError("%s %s: unexpected %r" % (method, target, ev))
        assert resp.http_version == b"1.1", resp
        self.count += 1
        print("ok %s %s -> %d (%d body bytes)" % (method, target,
                                                 resp.status_code, len(body)))
        return resp, body

    def assert_nothing_left(self):
        """No stray bytes after the last response (a body sent after HEAD,
        204 or 304 would be left here)."""
        self.sock.settimeout(0.3)
        try:
            extra = self.sock.recv(65536)
        except socket.timeout:
            extra = b""
        self.sock.settimeout(10)
        left = self.conn.trailing_data[0] + extra
        assert left == b"", "stray bytes after the last response: %r" % left[:200]

    def close(self):
        self.sock.close()


def header(resp, name):
    name = name.lower().encode()
    vals = [v for (k, v) in resp.headers if k == name]
    assert len(vals) <= 1, "repeated %s: %r" % (name, vals)
    return vals[0] if vals else None


def check_no_body_framing(resp, what):
    assert header(resp, "transfer-encoding") is None, what
    if resp.status_code == 204:
        assert header(resp, "content-length") is None, what


def check(port, docroot):
    with open(docroot + "/hello.txt", "rb") as f:
        hello_file_body = f.read()
    with open(docroot + "/big.bin", "rb") as f:
        big = f.read()
    total = 0

    # 1. One request at a time on one keep-alive connection.
    c = Client(port)
    resp, body = c.expect("GET", "/hello.txt")
    assert resp.status_code == 200 and body == hello_file_body, (resp, body)
    length = header(resp, "content-length")
    assert length == str(len(hello_file_body)).encode(), resp
    etag, mtime = header(resp, "etag"), header(resp, "last-modified")
    assert etag is not None or mtime is not None, resp

    resp, body = c.expect("HEAD", "/hello.txt")
    assert resp.status_code == 200 and body == b"", (resp, body)
    assert header(resp, "content-length") == length, resp

    cond = [("If-None-Match", etag)] if etag else [("If-Modified-Since", mtime)]
    resp, body = c.expect("GET", "/hello.txt", cond)
    assert resp.status_code == 304 and body == b"", (resp, body)
    check_no_body_framing(resp, "static 304")

    if mtime:
        resp, body = c.expect("GET", "/hello.txt", [("If-Modified-Since", mtime)])
        assert resp.status_code == 304 and body == b"", (resp, body)
        check_no_body_framing(resp, "static 304 (If-Modified-Since)")

    resp, body = c.expect("GET", "/big.bin")
    assert resp.status_code == 200 and body == big, (resp, len(body))

    resp, body = c.expect("GET", "/big.bin", [("Range", "bytes=100-199")])
    assert resp.status_code == 206 and body == big[100:200], (resp, len(body))
    assert header(resp, "content-range") == (
        "bytes 100-199/%d" % len(big)).encode(), resp

    resp, body = c.expect("GET", "/big.bin", [("Range", "bytes=-10")])
    assert resp.status_code == 206 and body == big[-10:], (resp, len(body))

    resp, body = c.expect("GET", "/big.bin",
                          [("Range", "bytes=%d-" % (len(big) + 5))])
    assert resp.status_code == 416, resp
    assert header(resp, "content-range") == ("bytes */%d" % len(big)).encode(), resp

    resp, body = c.expect("HEAD", "/big.bin")
    assert resp.status_code == 200 and body == b"", resp
    assert header(resp, "content-length") == str(len(big)).encode(), resp

    resp, body = c.expect("GET", "/notmodified")
    assert resp.status_code == 304 and body == b"", (resp, body)
    check_no_body_framing(resp, "handler 304")

    resp, body = c.expect("GET", "/nocontent")
    assert resp.status_code == 204 and body == b"", (resp, body)
    check_no_body_framing(resp, "204")

    resp, body = c.expect("GET", "/chunked")
    assert resp.status_code == 200 and body == CHUNKED, (resp, body)
    assert header(resp, "transfer-encoding") == b"chunked", resp

    resp, body = c.expect("GET", "/error")
    assert resp.status_code == 404 and len(body) > 0, (resp, body)

    resp, body = c.expect("GET", "/missing.txt")
    assert resp.status_code == 404, (resp, body)

    resp, body = c.expect("GET", "/hello")
    assert resp.status_code == 200 and body == HELLO, (resp, body)
    c.assert_nothing_left()
    total += c.count
    c.close()

    # 2. Pipelined: every request sent at once, answered in order.
    c = Client(port)
    reqs = [("GET", "/hello"), ("GET", "/big.bin"), ("HEAD", "/big.bin"),
            ("GET", "/big.bin"), ("HEAD", "/hello.txt"), ("GET", "/chunked"),
            ("GET", "/nocontent"), ("GET", "/notmodified"), ("GET", "/error"),
            ("HEAD", "/hello"), ("GET", "/hello.txt"), ("GET", "/hello")]
    c.sock.sendall(b"".join(Client.request_bytes(m, t) for (m, t) in reqs))
    want = {"/hello": (200, HELLO), "/hello.txt": (200, hello_file_body),
            "/chunked": (200, CHUNKED), "/nocontent": (204, b""),
            "/notmodified": (304, b""), "/error": (404, None),
            "/big.bin": (200, big)}
    for (m, t) in reqs:
        resp, body = c.expect(m, t, already_sent=True)
        code, data = want[t]
        if m == "HEAD":
            data = b""
        assert resp.status_code == code, (m, t, resp)
        assert data is None or body == data, (m, t, body[:100])
    c.assert_nothing_left()
    total += c.count
    c.close()

    # 3. Connection: close: the response, then the server closes.
    c = Client(port)
    resp, body = c.expect("GET", "/hello", [("Connection", "close")])
    assert resp.status_code == 200 and body == HELLO, (resp, body)
    assert c.conn.their_state is h11.MUST_CLOSE, c.conn.their_state
    c.sock.settimeout(5)
    rest = c.sock.recv(65536)
    assert rest == b"", "bytes after a Connection: close response: %r" % rest
    c.conn.receive_data(b"")
    assert isinstance(c.conn.next_event(), h11.ConnectionClosed)
    total += c.count
    c.close()
    return total


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    try:
        total = check(int(sys.argv[1]), sys.argv[2])
    except h11.RemoteProtocolError as e:
        traceback.print_exc(file=sys.stdout)
        print("h11: protocol error in our response: %r" % e)
        return 1
    except (AssertionError, OSError) as e:
        traceback.print_exc(file=sys.stdout)
        print("h11: check failed: %r" % (e,))
        return 1
    print("h11: all responses OK (%d)" % total)
    return 0


if __name__ == "__main__":
    sys.exit(main())
