"""Read Warren tasks from a queue with pika, and check them against docs/wire-format.md.

    python consumer.py QUEUE [--count N] [--timeout SECONDS] [--json]

For each message it prints the task name, message id, attempt and payload (or, with --json, one
JSON object per line with every property, the headers and the decoded payload), then acks it.
A message that breaks the documented format is printed with its problems and rejected without
requeue, so the broker dead-letters it to QUEUE.dead (through the queue's x-dead-letter-exchange).

This is a reader, not a worker: it does not retry or publish dead letters with Warren's headers.
Exit status: 0 when every message read was valid (and --count were read, if given), 1 when one
was not, 2 when --timeout ran out before --count messages came.
"""
import argparse
import datetime
import json
import os
import sys
import time

import pika

WARREN_INTEGER_HEADERS = ("x-warren-attempt", "x-warren-first-failure-at", "x-warren-last-failure-at", "x-warren-replays")
WARREN_STRING_HEADERS = ("x-warren-queue", "x-warren-last-error", "x-warren-dead-reason")


def problems_of(properties, body):
    """What in the message breaks the documented wire format (an empty list when nothing does)."""
    problems = []
    if properties.content_type != "application/json":
        problems.append(f"content_type is {properties.content_type!r}, not 'application/json'")
    if properties.content_encoding not in (None, "utf-8"):
        problems.append(f"content_encoding is {properties.content_encoding!r}, not 'utf-8'")
    if properties.delivery_mode != 2:
        problems.append(f"delivery_mode is {properties.delivery_mode!r}, not 2 (persistent)")
    if not properties.message_id:
        problems.append("message_id is missing")
    if not properties.type:
        problems.append("type (the task name) is missing")
    if not isinstance(properties.timestamp, int):
        problems.append("timestamp is missing")
    headers = properties.headers or {}
    for name in WARREN_INTEGER_HEADERS:
        if name in headers and (not isinstance(headers[name], int) or isinstance(headers[name], bool)):
            problems.append(f"header {name} is {headers[name]!r}, not an integer")
    for name in WARREN_STRING_HEADERS:
        if name in headers and not isinstance(headers[name], str):
            problems.append(f"header {name} is {headers[name]!r}, not a string")
    attempt = headers.get("x-warren-attempt")
    if isinstance(attempt, int) and attempt < 1:
        problems.append("header x-warren-attempt is below 1")
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        problems.append(f"the body is not UTF-8 JSON: {error}")
        payload = None
    return problems, payload


def json_safe(value):
    """Header values as JSON: pika decodes AMQP timestamps to datetime and byte arrays to bytes."""
    if isinstance(value, dict):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [json_safe(item) for item in value]
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("queue")
    parser.add_argument("--count", type=int, help="stop after this many messages")
    parser.add_argument("--timeout", type=float, help="stop after this many seconds")
    parser.add_argument("--json", action="store_true", help="print one JSON object per message")
    arguments = parser.parse_args()

    url = os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    channel.queue_declare(arguments.queue, passive=True)  # fails clearly when the queue does not exist
    channel.basic_qos(prefetch_count=1)

    deadline = time.monotonic() + arguments.timeout if arguments.timeout else None
    read, invalid = 0, 0
    try:
        for method, properties, body in channel.consume(arguments.queue, inactivity_timeout=0.2):
            if method is None:  # no message within inactivity_timeout
                if deadline is not None and time.monotonic() >= deadline:
                    break
                continue
            problems, payload = problems_of(properties, body)
            headers = properties.headers or {}
            if arguments.json:
                record = {
                    "routing_key": method.routing_key,
                    "exchange": method.exchange,
                    "redelivered": method.redelivered,
                    "content_type": properties.content_type,
                    "content_encoding": properties.content_encoding,
                    "delivery_mode": properties.delivery_mode,
                    "priority": properties.priority,
                    "correlation_id": properties.correlation_id,
                    "expiration": properties.expiration,
                    "message_id": properties.message_id,
                    "timestamp": properties.timestamp,
                    "type": properties.type,
                    "app_id": properties.app_id,
                    "headers": json_safe(headers),
                    "body": body.decode("utf-8", "replace"),
                    "payload": payload,
                    "problems": problems,
                }
                print(json.dumps(record), flush=True)
            else:
                attempt = headers.get("x-warren-attempt", 1)
                print(f"{properties.type} id={properties.message_id} attempt={attempt} payload={body.decode('utf-8', 'replace')}", flush=True)
                for problem in problems:
                    print(f"  problem: {problem}", flush=True)
            if problems:
                invalid += 1
                channel.basic_reject(method.delivery_tag, requeue=False)
            else:
                channel.basic_ack(method.delivery_tag)
            read += 1
            if arguments.count is not None and read >= arguments.count:
                break
            if deadline is not None and time.monotonic() >= deadline:
                break
    except KeyboardInterrupt:
        pass
    finally:
        channel.cancel()  # unacked prefetched messages go back to the queue
        connection.close()
    if invalid:
        return 1
    if arguments.count is not None and read < arguments.count:
        print(f"timed out after {read} of {arguments.count} messages", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
