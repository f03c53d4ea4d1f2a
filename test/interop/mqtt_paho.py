#!/usr/bin/python3
# python3-paho-mqtt (Debian, 1.6 API) as an MQTT 3.1.1 peer of the broker
# under test, for test_mqtt_broker_interop.c. Run by /usr/bin/python3 (the
# python3 on PATH may lack Debian's modules). Every mode prints what it got,
# one line per event, flushed at once, and gives up by itself after
# DEADLINE seconds (exit 3); the test also ends it by its PID.
#
#   sub PORT FILTER QOS COUNT [CLIENT_ID]
#       subscribe, print "subscribed GRANTED", then one line per message:
#       "msg TOPIC q=QOS r=RETAIN p=HEX"; exit 0 after COUNT messages.
#   pub PORT TOPIC QOS HEX [retain]
#       publish one message, wait for its acknowledgement, "published".
#   pubmany PORT TOPIC QOS COUNT
#       publish COUNT messages m0000, m0001, ... in order, waiting for every
#       acknowledgement; print "published COUNT".
#   ten PORT
#       one SUBSCRIBE with 10 filters (ten/0 .. ten/9, QoS i % 3); print
#       "granted C0,C1,...,C9"; publish QoS 2 to each ten/i and print
#       "got ten/i q=QOS" for each delivery, sorted; exit after 10.
#   will PORT CLIENT_ID TOPIC PAYLOAD
#       connect with a QoS 1 will, print "connected", then wait to be
#       killed (kill -9 by the test).
#   will-clean PORT CLIENT_ID TOPIC PAYLOAD
#       connect with a will, print "connected", DISCONNECT cleanly, exit 0.
#   persist-sub PORT CLIENT_ID FILTER
#       connect with clean session 0, subscribe QoS 1, print
#       "subscribed sp=SESSION_PRESENT GRANTED", DISCONNECT, exit 0.
#   persist-resume PORT CLIENT_ID COUNT
#       connect again with clean session 0 (no SUBSCRIBE): print
#       "connected sp=SESSION_PRESENT", then "msg TOPIC q=QOS p=TEXT" per
#       message; DISCONNECT after COUNT.
#   clean PORT CLIENT_ID
#       connect with clean session 1 (drops a stored session), disconnect.
#   ws PORT PATH
#       over WebSocket (ws://127.0.0.1:PORT/PATH, paho's own framing):
#       subscribe pyws/# at QoS 2, publish 10 bytes at QoS 0, 70000 bytes
#       (a 64-bit WebSocket length) at QoS 1 and 300 bytes at QoS 2; print
#       "got TOPIC LEN q=QOS ok" for each delivery equal to what was sent.
import sys
import time

import paho.mqtt.client as mqtt

DEADLINE = 20.0


def out(*args):
    print(*args, flush=True)


def client(port, client_id="", clean=True, will=None, ws_path=None):
    c = mqtt.Client(client_id=client_id, clean_session=clean,
                    protocol=mqtt.MQTTv311,
                    transport="websockets" if ws_path else "tcp")
    if ws_path:
        c.ws_set_options(path=ws_path)
    if will is not None:
        c.will_set(will[0], will[1], qos=1, retain=False)
    c.connect("127.0.0.1", port, keepalive=30)
    return c


def loop_until(c, done):
    end = time.time() + DEADLINE
    while not done():
        if time.time() > end:
            out("timeout")
            sys.exit(3)
        c.loop(timeout=0.05)


def connect_and_wait(c):
    st = {}

    def on_connect(cl, ud, flags, rc):
        st["rc"] = rc
        st["sp"] = flags.get("session present", 0)
    c.on_connect = on_connect
    loop_until(c, lambda: "rc" in st)
    if st["rc"] != 0:
        out("connack", st["rc"])
        sys.exit(2)
    return st["sp"]


def disconnect(c):
    st = {}
    c.on_disconnect = lambda cl, ud, rc: st.setdefault("rc", rc)
    c.disconnect()
    loop_until(c, lambda: "rc" in st)


def mode_sub(port, filt, qos, count, cid=""):
    c = client(port, cid)
    connect_and_wait(c)
    got = []
    st = {}

    def on_sub(cl, ud, mid, granted):
        st["g"] = granted
    c.on_subscribe = on_sub
    c.on_message = lambda cl, ud, m: got.append(m)
    c.subscribe(filt, qos)
    loop_until(c, lambda: "g" in st)
    out("subscribed", ",".join(str(g) for g in st["g"]))
    n = 0
    while n < count:
        loop_until(c, lambda: len(got) > n)
        m = got[n]
        out("msg %s q=%d r=%d p=%s" % (m.topic, m.qos, int(m.retain),
                                       m.payload.hex()))
        n += 1
    disconnect(c)


def mode_pub(port, topic, qos, hexpayload, retain=False):
    c = client(port)
    connect_and_wait(c)
    info = c.publish(topic, bytes.fromhex(hexpayload), qos, retain)
    loop_until(c, lambda: qos == 0 or info.is_published())
    disconnect(c)
    out("published")


def mode_pubmany(port, topic, qos, count):
    c = client(port)
    c.max_inflight_messages_set(20)
    c.max_queued_messages_set(0)
    connect_and_wait(c)
    infos = [c.publish(topic, "m%04d" % i, qos) for i in range(count)]
    loop_until(c, lambda: all(i.is_published() for i in infos))
    disconnect(c)
    out("published", count)


def mode_ten(port):
    c = client(port)
    connect_and_wait(c)
    st = {}
    got = []

    def on_sub(cl, ud, mid, granted):
        st["g"] = granted
    c.on_subscribe = on_sub
    c.on_message = lambda cl, ud, m: got.append((m.topic, m.qos))
    c.subscribe([("ten/%d" % i, i % 3) for i in range(10)])
    loop_until(c, lambda: "g" in st)
    out("granted", ",".join(str(g) for g in st["g"]))
    for i in range(10):
        c.publish("ten/%d" % i, "x%d" % i, 2)
    loop_until(c, lambda: len(got) >= 10)
    for t, q in sorted(got):
        out("got %s q=%d" % (t, q))
    disconnect(c)


def mode_will(port, cid, topic, payload, clean_exit):
    c = client(port, cid, True, (topic, payload))
    connect_and_wait(c)
    out("connected")
    if clean_exit:
        disconnect(c)
        return
    end = time.time() + DEADLINE
    while time.time() < end:
        c.loop(timeout=0.1)
    sys.exit(3)


def mode_persist_sub(port, cid, filt):
    c = client(port, cid, False)
    sp = connect_and_wait(c)
    st = {}

    def on_sub(cl, ud, mid, granted):
        st["g"] = granted
    c.on_subscribe = on_sub
    c.subscribe(filt, 1)
    loop_until(c, lambda: "g" in st)
    out("subscribed sp=%d %s" % (sp, ",".join(str(g) for g in st["g"])))
    disconnect(c)


def mode_persist_resume(port, cid, count):
    got = []
    c = mqtt.Client(client_id=cid, clean_session=False,
                    protocol=mqtt.MQTTv311)
    c.on_message = lambda cl, ud, m: got.append(m)
    c.connect("127.0.0.1", port, keepalive=30)
    sp = connect_and_wait(c)
    out("connected sp=%d" % sp)
    n = 0
    while n < count:
        loop_until(c, lambda: len(got) > n)
        m = got[n]
        out("msg %s q=%d p=%s" % (m.topic, m.qos, m.payload.decode()))
        n += 1
    disconnect(c)


def mode_ws(port, path):
    c = client(port, "", True, None, path)
    connect_and_wait(c)
    st = {}
    got = []

    def on_sub(cl, ud, mid, granted):
        st["g"] = granted
    c.on_subscribe = on_sub
    c.on_message = lambda cl, ud, m: got.append(m)
    c.subscribe("pyws/#", 2)
    loop_until(c, lambda: "g" in st)
    out("subscribed", ",".join(str(g) for g in st["g"]))
    sent = {}
    for topic, n, q in (("pyws/a", 10, 0), ("pyws/b", 70000, 1),
                        ("pyws/c", 300, 2)):
        sent[topic] = (bytes((i * 7 + n) & 0xff for i in range(n)), q)
        c.publish(topic, sent[topic][0], q)
    loop_until(c, lambda: len(got) >= 3)
    for m in sorted(got, key=lambda m: m.topic):
        ok = m.payload == sent[m.topic][0] and m.qos == sent[m.topic][1]
        out("got %s %d q=%d %s" % (m.topic, len(m.payload), m.qos,
                                   "ok" if ok else "DIFFERS"))
    disconnect(c)


def main():
    a = sys.argv[1:]
    mode, port = a[0], int(a[1])
    if mode == "sub":
        mode_sub(port, a[2], int(a[3]), int(a[4]), a[5] if len(a) > 5 else "")
    elif mode == "pub":
        mode_pub(port, a[2], int(a[3]), a[4], len(a) > 5 and a[5] == "retain")
    elif mode == "pubmany":
        mode_pubmany(port, a[2], int(a[3]), int(a[4]))
    elif mode == "ten":
        mode_ten(port)
    elif mode == "will":
        mode_will(port, a[2], a[3], a[4], False)
    elif mode == "will-clean":
        mode_will(port, a[2], a[3], a[4], True)
    elif mode == "persist-sub":
        mode_persist_sub(port, a[2], a[3])
    elif mode == "persist-resume":
        mode_persist_resume(port, a[2], int(a[3]))
    elif mode == "ws":
        mode_ws(port, a[2])
    elif mode == "clean":
        c = client(port, a[2], True)
        connect_and_wait(c)
        disconnect(c)
        out("cleaned")
    else:
        out("unknown mode", mode)
        sys.exit(2)


if __name__ == "__main__":
    main()
