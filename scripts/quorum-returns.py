"""Which ways of giving a message back count toward a quorum queue's delivery limit, on the broker at
the AMQP URL given (default amqp://guest:guest@127.0.0.1:5672/%2F). Needs pika.

    python3 scripts/quorum-returns.py [AMQP_URL]

Prints one JSON line: for each of close (channel closed with the message unacked), reject, nack
(both with requeue) and recover, the x-delivery-count header seen on each of six basic.get's of one
message in a queue with x-delivery-limit 3 (null: no header, or no message any more); how many gets a
quorum queue without a limit allows; what limits -1 and 0 do; whether x-delivery-limit is checked on
redeclaration (406); whether quorum queues take x-max-priority. docs/operating.md has the results for
RabbitMQ 3.10.8, 4.0.5 and 4.3.6. It declares and deletes queues named probe.*."""
import sys, pika, json
url = sys.argv[1] if len(sys.argv) > 1 else "amqp://guest:guest@127.0.0.1:5672/%2F"
conn = pika.BlockingConnection(pika.URLParameters(url))
ver = conn._impl.server_properties.get("version")
ver = ver.decode() if isinstance(ver, bytes) else ver
out = {"version": ver}
def fresh(name, args):
    ch = conn.channel(); ch.queue_delete(name); ch.close()
    ch = conn.channel(); ch.queue_declare(name, durable=True, arguments=args); ch.confirm_delivery(); return ch
for method in ["close", "reject", "nack", "recover"]:
    q = f"probe.{method}"
    ch = fresh(q, {"x-queue-type": "quorum", "x-delivery-limit": 3})
    ch.basic_publish("", q, b"x", pika.BasicProperties(delivery_mode=2))
    counts = []
    for i in range(6):
        m, props, body = ch.basic_get(q)
        if m is None: counts.append(None); break
        counts.append((props.headers or {}).get("x-delivery-count"))
        if method == "close": ch.close(); ch = conn.channel(); ch.confirm_delivery()
        elif method == "reject": ch.basic_reject(m.delivery_tag, requeue=True)
        elif method == "nack": ch.basic_nack(m.delivery_tag, requeue=True)
        elif method == "recover": ch.basic_recover(requeue=True)
    ch.queue_delete(q); ch.close()
    out[method] = counts
# default limit: does a quorum queue without x-delivery-limit drop after 20 closes?
q = "probe.default"; ch = fresh(q, {"x-queue-type": "quorum"})
ch.basic_publish("", q, b"x", pika.BasicProperties(delivery_mode=2)); n = 0
for i in range(25):
    m, p, b = ch.basic_get(q)
    if m is None: break
    n += 1; ch.close(); ch = conn.channel(); ch.confirm_delivery()
out["default_limit_gets"] = n; ch.queue_delete(q); ch.close()
# -1 accepted?
for val in [-1, 0]:
    try:
        ch = fresh("probe.neg", {"x-queue-type": "quorum", "x-delivery-limit": val}); out[f"limit_{val}"] = "accepted"
        ch.basic_publish("", "probe.neg", b"x", pika.BasicProperties(delivery_mode=2)); n = 0
        for i in range(25):
            m, p, b = ch.basic_get("probe.neg")
            if m is None: break
            n += 1; ch.close(); ch = conn.channel(); ch.confirm_delivery()
        out[f"limit_{val}_gets"] = n
        ch.queue_delete("probe.neg"); ch.close()
    except Exception as e: out[f"limit_{val}"] = repr(e)[:120]
# equivalence: declared without the limit, redeclared with it (and the other way)
try:
    ch = fresh("probe.eq", {"x-queue-type": "quorum"}); ch.queue_declare("probe.eq", durable=True, arguments={"x-queue-type": "quorum", "x-delivery-limit": 5}); out["eq_add_limit"] = "ok"
except Exception as e: out["eq_add_limit"] = repr(e)[:160]
ch = conn.channel(); ch.queue_delete("probe.eq"); ch.close()
try:
    ch = fresh("probe.eq", {"x-queue-type": "quorum", "x-delivery-limit": 5}); ch.queue_declare("probe.eq", durable=True, arguments={"x-queue-type": "quorum", "x-delivery-limit": 7}); out["eq_change_limit"] = "ok"
except Exception as e: out["eq_change_limit"] = repr(e)[:160]
ch = conn.channel(); ch.queue_delete("probe.eq"); ch.close()
# priorities on quorum
try:
    ch = fresh("probe.prio", {"x-queue-type": "quorum", "x-max-priority": 10}); out["qq_max_priority"] = "accepted"; ch.queue_delete("probe.prio")
except Exception as e: out["qq_max_priority"] = repr(e)[:160]
try:
    ch = fresh("probe.ct", {"x-queue-type": "quorum"}); ch.basic_consume("probe.ct", lambda *a: None, arguments={"x-consumer-timeout": 60000}); out["x_consumer_timeout"] = "accepted"; ch.close()
    ch = conn.channel(); ch.queue_delete("probe.ct")
except Exception as e: out["x_consumer_timeout"] = repr(e)[:160]
print(json.dumps(out))
