"""Python `websockets` (Debian's python3-websockets, run with /usr/bin/python3)
as a WebSocket peer for test_ws_interop.c.

Usage: /usr/bin/python3 ws_py.py MODE [URL]
  echo URL     text and binary messages of 0, 125, 126, 65535, 65536 and
               1 MiB bytes come back equal and with the same type
  ping URL     pings of 0, 3 and 125 bytes get their pongs
  close URL    close codes 1000 and 4001 are echoed
  deflate URL  permessage-deflate is offered (the default), declined, and
               the connection works uncompressed
  server       an echo server on 127.0.0.1, a free port: prints "port N",
               then "close CODE" when a client's connection ends (CODE is
               the code that client sent). Ends on SIGTERM, or by itself
               after 60 s.
Prints facts, one per line; exits 0 when it could run the whole exchange,
1 on an error, 2 after 20 s (clients).
"""
import asyncio
import sys

import websockets

SIZES = [0, 125, 126, 65535, 65536, 1 << 20]
MAX_SIZE = 4 << 20


def out(line):
    print(line, flush=True)


def text_of(n):
    return "".join(chr(32 + (i * 7) % 95) for i in range(n))


def bytes_of(n):
    seed, b = n, bytearray(n)
    for i in range(n):
        seed = (seed * 1103515245 + 12345) & 0xFFFFFFFF
        b[i] = (seed >> 16) & 0xFF
    return bytes(b)


def describe(sent, got):
    if type(got) is not type(sent):
        return "type-mismatch"
    return "ok" if got == sent else "data-mismatch(%d)" % len(got)


async def echo(url):
    async with websockets.connect(url, max_size=MAX_SIZE) as ws:
        for n in SIZES:
            for kind, data in (("text", text_of(n)), ("binary", bytes_of(n))):
                await ws.send(data)
                out("%s %d %s" % (kind, n, describe(data, await ws.recv())))
        await ws.close(1000)
        out("close %s" % ws.close_code)


async def ping(url):
    async with websockets.connect(url) as ws:
        for payload in (b"", b"abc", b"x" * 125):
            waiter = await ws.ping(payload)
            # The future completes only on a pong with this very payload.
            await asyncio.wait_for(waiter, 5)
            out("pong %d" % len(payload))
        await ws.send("after pings")
        out("echo %s" % await ws.recv())
        await ws.close(1000)
        out("close %s" % ws.close_code)


async def close(url):
    for code in (1000, 4001):
        ws = await websockets.connect(url)
        await ws.close(code, "bye")
        await ws.wait_closed()
        out("close %d -> %s" % (code, ws.close_code))


async def deflate(url):
    # compression="deflate" is the default: the client offers
    # permessage-deflate with client_max_window_bits.
    async with websockets.connect(url, compression="deflate") as ws:
        offered = ws.request_headers.get("Sec-WebSocket-Extensions", "")
        answer = ws.response_headers.get("Sec-WebSocket-Extensions")
        out("offered %s" % ("permessage-deflate" in offered))
        out("answer %s" % ("absent" if answer is None else answer))
        out("extensions %s" % ws.extensions)
        data = "compressible " * 1000
        await ws.send(data)
        out("echo %d %s" % (len(data), describe(data, await ws.recv())))
        await ws.close(1000)
        out("close %s" % ws.close_code)


async def server():
    async def handler(ws, path=None):
        try:
            async for msg in ws:
                await ws.send(msg)
        except websockets.ConnectionClosed:
            pass
        out("close %s" % ws.close_code)

    async with websockets.serve(handler, "127.0.0.1", 0,
                                max_size=MAX_SIZE) as srv:
        out("port %d" % srv.sockets[0].getsockname()[1])
        await asyncio.sleep(60)


def main():
    modes = {"echo": echo, "ping": ping, "close": close, "deflate": deflate}
    if len(sys.argv) == 2 and sys.argv[1] == "server":
        asyncio.run(server())
        return 0
    if len(sys.argv) != 3 or sys.argv[1] not in modes:
        out("error usage: MODE URL | server")
        return 1
    try:
        asyncio.run(asyncio.wait_for(modes[sys.argv[1]](sys.argv[2]), 20))
    except asyncio.TimeoutError:
        out("timeout")
        return 2
    except Exception as e:  # Printed for the test's log
        out("error %s: %s" % (type(e).__name__, e))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
