// A node `ws@8` client (test/interop/node_modules, from package.json) that
// exercises an echo server: test_ws_interop.c runs it against ours and
// compares what it prints, line by line, with what it expects.
//
// Usage: node ws_node_client.js MODE ws://127.0.0.1:PORT/
//   echo       text and binary messages of 0, 125, 126, 65535, 65536 and
//              1 MiB bytes come back equal and with the same type
//   fragments  messages sent in fragments (fin: false), a ping between
//              them, come back whole
//   ping       pings of 0, 3 and 125 bytes get pongs with the same payload;
//              an unsolicited pong is ignored
//   close      close codes 1000 and 4001 are echoed, then TCP is closed
//   deflate    permessage-deflate is offered, declined, and the connection
//              works uncompressed
// Prints facts, one per line; exits 0 when it could run the whole exchange,
// 1 on an error, 2 after 20 s.
"use strict";
const WebSocket = require("ws");

const [mode, url] = process.argv.slice(2);
const SIZES = [0, 125, 126, 65535, 65536, 1 << 20];

setTimeout(() => {
  console.log("timeout");
  process.exit(2);
}, 20000).unref();

function fail(msg) {
  console.log("error " + msg);
  process.exit(1);
}

// Deterministic contents, every value present, so a shift shows.
function textOf(n) {
  const a = new Array(n);
  for (let i = 0; i < n; i++) a[i] = String.fromCharCode(32 + ((i * 7) % 95));
  return a.join("");
}

function bytesOf(n) {
  const b = Buffer.alloc(n);
  let seed = n >>> 0;
  for (let i = 0; i < n; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    b[i] = seed >>> 16;
  }
  return b;
}

// Opens a connection; resolves with it once open.
function open(opts) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, opts || {});
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });
}

function nextMessage(ws) {
  return new Promise((resolve) =>
    ws.once("message", (data, isBinary) => resolve({ data, isBinary })));
}

// Closes with code; resolves with the code the server sent back once the
// TCP connection is over ("close" fires then).
function closeWith(ws, code) {
  return new Promise((resolve) => {
    ws.once("close", (got) => resolve(got));
    ws.close(code);
  });
}

function describe(sent, isBinary, got) {
  const want = Buffer.from(sent);
  if (got.isBinary !== isBinary) return "type-mismatch";
  if (!Buffer.isBuffer(got.data) || !got.data.equals(want)) {
    return "data-mismatch(" + (got.data ? got.data.length : -1) + " bytes)";
  }
  return "ok";
}

async function echo() {
  const ws = await open();
  for (const n of SIZES) {
    const t = textOf(n);
    let p = nextMessage(ws);
    ws.send(t);
    console.log("text " + n + " " + describe(t, false, await p));
    const b = bytesOf(n);
    p = nextMessage(ws);
    ws.send(b);
    console.log("binary " + n + " " + describe(b, true, await p));
  }
  console.log("close " + (await closeWith(ws, 1000)));
}

async function fragments() {
  const ws = await open();
  const pong = new Promise((resolve) => ws.once("pong", resolve));
  let p = nextMessage(ws);
  ws.send("Hel", { fin: false });
  ws.send("lo, ", { fin: false });
  ws.ping("mid");  // A control frame between fragments is allowed
  ws.send("world", { fin: true });
  const got = await p;
  console.log("pong " + (await pong).toString());
  console.log("text " + (got.isBinary ? "binary!" : got.data.toString()));
  p = nextMessage(ws);
  ws.send(Buffer.from([1, 2, 3]), { binary: true, fin: false });
  ws.send(Buffer.from([]), { binary: true, fin: false });
  ws.send(Buffer.from([4, 5]), { binary: true, fin: true });
  const bin = await p;
  console.log("binary " + (bin.isBinary ? bin.data.toString("hex") : "text!"));
  // A large fragmented text: 3 x 70000 bytes, 64-bit lengths each.
  const big = textOf(210000);
  p = nextMessage(ws);
  ws.send(big.slice(0, 70000), { fin: false });
  ws.send(big.slice(70000, 140000), { fin: false });
  ws.send(big.slice(140000), { fin: true });
  console.log("big " + describe(big, false, await p));
  console.log("close " + (await closeWith(ws, 1000)));
}

async function ping() {
  const ws = await open();
  for (const payload of ["", "abc", "x".repeat(125)]) {
    const p = new Promise((resolve) => ws.once("pong", resolve));
    ws.ping(payload);
    const got = (await p).toString();
    console.log("pong " + got.length + " " +
                (got === payload ? "same" : "different"));
  }
  ws.pong("unsolicited");  // Must be ignored
  const p = nextMessage(ws);
  ws.send("after pong");
  console.log("echo " + (await p).data.toString());
  console.log("close " + (await closeWith(ws, 1000)));
}

async function close() {
  for (const code of [1000, 4001]) {
    const ws = await open();
    console.log("close " + code + " -> " + (await closeWith(ws, code)));
  }
}

async function deflate() {
  const ws = new WebSocket(url, { perMessageDeflate: { threshold: 0 } });
  const header = new Promise((resolve) => ws.once("upgrade", (res) =>
    resolve(res.headers["sec-websocket-extensions"])));
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  console.log("header " + (await header === undefined ? "absent" : "present"));
  console.log("extensions '" + ws.extensions + "'");
  const t = "compressible ".repeat(1000);
  const p = nextMessage(ws);
  ws.send(t);
  console.log("echo " + t.length + " " + describe(t, false, await p));
  console.log("close " + (await closeWith(ws, 1000)));
}

const modes = { echo, fragments, ping, close, deflate };
if (!modes[mode] || !url) fail("usage: MODE URL");
modes[mode]().then(() => process.exit(0), (e) => fail(e.message || e));
