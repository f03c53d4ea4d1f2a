// npm mqtt (MQTT.js, pinned by package-lock.json) as an MQTT 3.1.1 peer
// over WebSocket (ws://127.0.0.1:PORT/mqtt, subprotocol "mqtt") of the
// broker under test, for test_mqtt_broker_interop.c. Run from the
// repository root: node test/interop/mqtt_js.js MODE URL ... Every line is
// printed as it happens; the script gives up by itself after DEADLINE_MS
// (exit 3), and the test also ends it by its PID.
//
//   ws URL
//       one client subscribes js/# with QoS 2 ("subscribed 2"), publishes
//       js/small (200 bytes, QoS 1), js/big (100000 bytes, QoS 2) and
//       js/empty (0 bytes, QoS 0) and checks each delivery byte for byte
//       ("got TOPIC LEN q=QOS ok"); then a retained js/ret, which a second
//       client gets with the retain flag ("retained js/ret kept"); the
//       retained message is deleted again; "done".
//   pub URL TOPIC TEXT
//       publish TEXT with QoS 1, "published".
//   sub URL FILTER COUNT
//       subscribe with QoS 1 ("subscribed GRANTED"), then "msg TOPIC q=QOS
//       p=TEXT" per message; exit 0 after COUNT.
'use strict';
const path = require('path');
const mqtt = require(path.join(__dirname, 'node_modules', 'mqtt'));

const DEADLINE_MS = 20000;
setTimeout(() => {
  console.log('timeout');
  process.exit(3);
}, DEADLINE_MS).unref();

function out(s) {
  process.stdout.write(s + '\n');
}

function fail(s) {
  out('FAIL ' + s);
  process.exit(1);
}

function connect(url, id) {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(url, {
      protocolVersion: 4,
      clientId: id,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: 10000,
      keepalive: 30,
    });
    c.once('connect', () => resolve(c));
    c.once('error', (e) => reject(e));
    c.once('close', () => reject(new Error('closed before CONNACK')));
  });
}

function subscribe(c, filter, qos) {
  return new Promise((resolve, reject) => {
    c.subscribe(filter, {qos}, (err, granted) => {
      if (err) reject(err);
      else resolve(granted.map((g) => g.qos));
    });
  });
}

function publish(c, topic, payload, opts) {
  return new Promise((resolve, reject) => {
    c.publish(topic, payload, opts, (err) => (err ? reject(err) : resolve()));
  });
}

function end(c) {
  return new Promise((resolve) => c.end(false, {}, () => resolve()));
}

function pattern(n, seed) {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

async function modeWs(url) {
  const a = await connect(url, 'js-a-' + process.pid);
  const want = {
    'js/small': [pattern(200, 1), 1],
    'js/big': [pattern(100000, 7), 2],
    'js/empty': [Buffer.alloc(0), 0],
  };
  const sent = Object.assign({}, want);
  let left = Object.keys(want).length;
  const all = new Promise((resolve) => {
    a.on('message', (topic, payload, packet) => {
      if (packet.retain) return;  // Left by an earlier run
      const w = want[topic];
      if (!w) fail('unexpected ' + topic);
      if (!payload.equals(w[0])) fail(topic + ' payload differs: ' + payload.length);
      if (packet.qos !== w[1]) fail(topic + ' qos ' + packet.qos);
      out(`got ${topic} ${payload.length} q=${packet.qos} ok`);
      delete want[topic];
      if (--left === 0) resolve();
    });
  });
  const g = await subscribe(a, 'js/#', 2);
  out('subscribed ' + g.join(','));
  await publish(a, 'js/small', sent['js/small'][0], {qos: 1});
  await publish(a, 'js/big', sent['js/big'][0], {qos: 2});
  await publish(a, 'js/empty', sent['js/empty'][0], {qos: 0});
  await all;
  a.removeAllListeners('message');  // a gets js/ret too (js/#)
  await publish(a, 'js/ret', 'kept', {qos: 1, retain: true});
  const b = await connect(url, 'js-b-' + process.pid);
  const got = new Promise((resolve) => {
    b.once('message', (topic, payload, packet) => resolve([topic, payload, packet]));
  });
  await subscribe(b, 'js/ret', 1);
  const [t, p, pk] = await got;
  if (!pk.retain) fail('js/ret without the retain flag');
  out(`retained ${t} ${p.toString()}`);
  await publish(a, 'js/ret', Buffer.alloc(0), {qos: 1, retain: true});
  await end(b);
  await end(a);
  out('done');
}

async function modePub(url, topic, text) {
  const c = await connect(url, 'js-pub-' + process.pid);
  await publish(c, topic, text, {qos: 1});
  out('published');
  await end(c);
}

async function modeSub(url, filter, count) {
  const c = await connect(url, 'js-sub-' + process.pid);
  let n = 0;
  const all = new Promise((resolve) => {
    c.on('message', (topic, payload, packet) => {
      out(`msg ${topic} q=${packet.qos} p=${payload.toString()}`);
      if (++n === count) resolve();
    });
  });
  const g = await subscribe(c, filter, 1);
  out('subscribed ' + g.join(','));
  await all;
  await end(c);
}

async function main() {
  const [mode, url, ...rest] = process.argv.slice(2);
  if (mode === 'ws') await modeWs(url);
  else if (mode === 'pub') await modePub(url, rest[0], rest[1]);
  else if (mode === 'sub') await modeSub(url, rest[0], parseInt(rest[1], 10));
  else fail('unknown mode ' + mode);
  process.exit(0);
}

main().catch((e) => fail(String(e && e.message ? e.message : e)));
