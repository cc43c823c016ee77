"""Cross-language tests: Python (pika) and the Swift `warren` CLI against a real RabbitMQ broker.

They check that the wire format in docs/wire-format.md and the topology in docs/topology.md are
what the Swift code really does: a pika producer's task runs on a Swift worker, a Swift producer's
task reads as documented in pika, poison messages and failures are dead-lettered with the
documented headers, and those headers validate against docs/wire-format.headers.schema.json.

Run them with `bash scripts/test-interop.sh` (it sets up Python, builds the CLI and finds the
broker). Environment:
  AMQP_URL                    the broker (default amqp://guest:guest@127.0.0.1:5672/%2F)
  WARREN_BIN                  the `warren` executable; without it the tests that need it are skipped
  WARREN_INTEROP_REQUIRE_CLI  1: fail, instead of skipping, when the CLI or a subcommand is missing
  WARREN_MANAGEMENT_URL       the broker's management API (e.g. http://127.0.0.1:15743); when set,
                              bindings are listed through it instead of the host's `rabbitmqctl`

Every test uses queues of its own (interop-<test>-<random>), deletes them at the end, bounds each
wait, and kills the processes it started (their whole process group) on every path.
"""

import base64
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import jsonschema
import pika
import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
EXAMPLES = ROOT / "Examples" / "python"
SCHEMA_PATH = DOCS / "wire-format.headers.schema.json"
AMQP_URL = os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
REQUIRE_CLI = os.environ.get("WARREN_INTEROP_REQUIRE_CLI") == "1"
MANAGEMENT_URL = os.environ.get("WARREN_MANAGEMENT_URL") or None

DEAD_LETTER_EXCHANGE = "warren.dead-letter"
DELIVERY_EXCHANGE = "warren.delay.deliver"
LEVELS = 26


# ---------------------------------------------------------------------------------------------
# Helpers


def wait_for(predicate, timeout, interval=0.05, what="condition"):
    """Polls `predicate` until it returns something truthy; fails after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def connect():
    parameters = pika.URLParameters(AMQP_URL)
    parameters.blocked_connection_timeout = 30
    parameters.socket_timeout = 10
    return pika.BlockingConnection(parameters)


def doc_code_block(path, language, starting_with):
    """The first fenced code block of `language` in `path` whose text starts with `starting_with`."""
    text = path.read_text(encoding="utf-8")
    for match in re.finditer(r"```" + language + r"\n(.*?)```", text, re.S):
        if match.group(1).startswith(starting_with):
            return match.group(1)
    raise AssertionError(f"no ```{language} block starting with {starting_with!r} in {path}")


def load_delay_route():
    """`delay_route` exactly as docs/wire-format.md shows it."""
    namespace = {}
    exec(doc_code_block(DOCS / "wire-format.md", "python", "def delay_route"), namespace)
    return namespace["delay_route"]


def warren_arguments(queue):
    """The arguments Warren declares a classic task queue with (Topology.taskQueueArguments)."""
    return {"x-dead-letter-exchange": DEAD_LETTER_EXCHANGE, "x-dead-letter-routing-key": queue}


class Broker:
    """One pika connection for a test, and the queues to delete when it ends."""

    def __init__(self):
        self.connection = connect()
        self.channel = self.connection.channel()
        self.queues = []

    def fresh_channel(self):
        """A new channel (a failed passive declare closes the channel it ran on)."""
        if self.channel.is_closed:
            self.channel = self.connection.channel()
        return self.channel

    def counts(self, queue):
        """(ready messages, consumers) of `queue`, or None when it does not exist."""
        channel = self.connection.channel()
        try:
            result = channel.queue_declare(queue, passive=True)
            return result.method.message_count, result.method.consumer_count
        except pika.exceptions.ChannelClosedByBroker as error:
            if error.reply_code == 404:
                return None
            raise
        finally:
            if channel.is_open:
                channel.close()

    def get(self, queue, timeout):
        """The next message of `queue` as (method, properties, body), acked; waits up to `timeout` s."""
        channel = self.fresh_channel()

        def attempt():
            method, properties, body = channel.basic_get(queue, auto_ack=True)
            return (method, properties, body) if method else None

        return wait_for(attempt, timeout, what=f"a message in {queue}")

    def publish(self, routing_key, body, exchange="", **properties):
        """Publishes with publisher confirms and mandatory, as docs/wire-format.md requires."""
        channel = self.connection.channel()
        try:
            channel.confirm_delivery()
            channel.basic_publish(exchange, routing_key, body, pika.BasicProperties(**properties), mandatory=True)
        finally:
            channel.close()

    def delete_all(self):
        channel = self.connection.channel() if self.connection.is_open else None
        for queue in self.queues:
            if channel is None:
                break
            try:
                channel.queue_delete(queue)
            except pika.exceptions.ChannelClosedByBroker:
                channel = self.connection.channel()
        if self.connection.is_open:
            self.connection.close()


class Processes:
    """Spawned processes, each in its own session, terminated (group-wide) when the test ends."""

    def __init__(self, directory):
        self.directory = directory
        self.running = []

    def start(self, arguments, name, env=None):
        log = open(self.directory / f"{name}.log", "wb")
        process = subprocess.Popen(
            arguments, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            env=env,
        )
        process.log_path = self.directory / f"{name}.log"
        process.log_file = log
        self.running.append(process)
        return process

    def stop(self, process, grace=15):
        """SIGTERM to the process group (a graceful worker shutdown), SIGKILL after `grace` s."""
        if process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                process.wait(grace)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(process.pid, signal.SIGKILL)  # whatever is left of the group (shell children)
        except (ProcessLookupError, PermissionError):
            pass
        if process.poll() is None:
            process.wait(5)
        process.log_file.close()
        return process.returncode

    def stop_all(self):
        for process in self.running:
            self.stop(process, grace=5)

    @staticmethod
    def log(process):
        return process.log_path.read_text(errors="replace")


def find_warren():
    explicit = os.environ.get("WARREN_BIN")
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    return None


WARREN = find_warren()


def need_cli(*subcommand):
    """Skips (or, with WARREN_INTEROP_REQUIRE_CLI=1, fails) unless `warren SUBCOMMAND --help` works."""
    problem = None
    if WARREN is None:
        problem = "the warren CLI is not built (set WARREN_BIN, or run scripts/test-interop.sh)"
    else:
        result = subprocess.run([WARREN, *subcommand, "--help"], capture_output=True, timeout=30)
        if result.returncode != 0:
            problem = f"`warren {' '.join(subcommand)}` is not available in {WARREN}"
    if problem:
        if REQUIRE_CLI:
            pytest.fail(problem)
        pytest.skip(problem)
    return WARREN


# ---------------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture
def broker():
    instance = Broker()
    yield instance
    instance.delete_all()


@pytest.fixture
def processes(tmp_path):
    instance = Processes(tmp_path)
    yield instance
    instance.stop_all()


@pytest.fixture
def queue(request, broker):
    """A task queue name of this test's own; it and its Q.dead are deleted at the end."""
    test = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower()).strip("-")[:60]
    name = f"interop-{test}-{uuid.uuid4().hex[:8]}"
    broker.queues += [name, name + ".dead"]
    return name


@pytest.fixture(scope="session")
def schema():
    document = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(document)
    return jsonschema.Draft202012Validator(document)


def start_worker(processes, broker, queue, command, *options):
    """Starts `warren worker --queue QUEUE --exec COMMAND` and waits until it consumes."""
    warren = need_cli("worker")
    worker = processes.start([warren, "worker", "--queue", queue, "--exec", command, *options], "worker")

    def consuming():
        if worker.poll() is not None:
            pytest.fail(f"warren worker exited with {worker.returncode}:\n{Processes.log(worker)}")
        counts = broker.counts(queue)
        return counts is not None and counts[1] >= 1

    wait_for(consuming, 30, interval=0.1, what=f"warren worker consuming {queue}")
    return worker


def spy_on_retries(broker, queue):
    """A queue that gets a copy of every delayed message for `queue` (bound like it to the
    delivery exchange), to look at real retry copies."""
    spy = queue + ".spy"
    channel = broker.fresh_channel()
    channel.queue_declare(spy, durable=False, exclusive=True)  # this test's connection only
    channel.queue_bind(spy, DELIVERY_EXCHANGE, "*." * LEVELS + queue)
    broker.queues.append(spy)
    return spy


# ---------------------------------------------------------------------------------------------
# The documents themselves


def test_schema_file_matches_the_schema_in_the_doc(schema):
    embedded = doc_code_block(DOCS / "wire-format.md", "json", "{\n  \"$schema\"")
    assert embedded == SCHEMA_PATH.read_text(encoding="utf-8")


def test_producer_example_is_the_one_in_the_doc():
    shown = doc_code_block(DOCS / "wire-format.md", "python", '"""Enqueue a Warren task from Python.')
    assert shown == (EXAMPLES / "producer.py").read_text(encoding="utf-8")


def test_delay_route_in_the_doc_matches_the_worked_examples():
    delay_route = load_delay_route()
    assert delay_route("emails", 2500) == ("warren.delay.4", "0." * 21 + "1.1.0.0.1.emails")
    assert delay_route("Q", 1000) == ("warren.delay.3", "0." * 22 + "1.0.1.0.Q")
    assert delay_route("Q", 40) == ("warren.delay.0", "0." * 25 + "1.Q")
    assert delay_route("Q", 149) == ("warren.delay.0", "0." * 25 + "1.Q")
    assert delay_route("Q", 150) == ("warren.delay.1", "0." * 24 + "1.0.Q")
    assert delay_route("Q", 100 * 86_400_000) == ("warren.delay.25", "1." * 26 + "Q")


def test_schema_accepts_documented_headers_and_rejects_wrong_types(schema):
    dead_letter = {
        "x-warren-attempt": 2,
        "x-warren-queue": "emails",
        "x-warren-first-failure-at": 1795280647850,
        "x-warren-last-failure-at": 1795280648855,
        "x-warren-last-error": "boom",
        "x-warren-dead-reason": "max-attempts-exceeded",
        "x-warren-publish-seq": 2,
        "x-producer-header": "kept",
    }
    assert list(schema.iter_errors(dead_letter)) == []
    assert list(schema.iter_errors({})) == []
    assert not schema.is_valid({**dead_letter, "x-warren-attempt": "2"})
    assert not schema.is_valid({**dead_letter, "x-warren-attempt": 0})
    missing_queue = dict(dead_letter)
    del missing_queue["x-warren-queue"]
    assert not schema.is_valid(missing_queue)


# ---------------------------------------------------------------------------------------------
# (a) Python producer -> Swift worker


def test_python_task_runs_on_swift_worker(broker, processes, queue, tmp_path):
    output = tmp_path / "payloads"
    environment_file = tmp_path / "environment"
    command = (
        f"cat >> {shlex.quote(str(output))}; "
        f'printf "%s %s %s\\n" "$WARREN_TASK_NAME" "$WARREN_MESSAGE_ID" "$WARREN_ATTEMPT" >> {shlex.quote(str(environment_file))}'
    )
    worker = start_worker(processes, broker, queue, command)
    payload = '{"to": "ada@example.com", "text": "h\u00e9llo \u2603 \U0001F600", "n": [1, 2.5, null, true], "nested": {"k": "v"}}'

    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "producer.py"), queue, "send-welcome-email", payload],
        capture_output=True, text=True, timeout=60, env={**os.environ, "AMQP_URL": AMQP_URL},
    )
    assert result.returncode == 0, result.stderr
    message_id = result.stdout.strip()
    uuid.UUID(message_id)

    wait_for(lambda: environment_file.exists() and environment_file.read_text().endswith("\n"), 30,
             what="the worker's command to run")
    assert output.read_bytes() == payload.encode("utf-8")
    assert environment_file.read_text() == f"send-welcome-email {message_id} 1\n"

    # Acked: after a graceful stop nothing is left in the queue (an unacked delivery would be back).
    assert processes.stop(worker) == 0, Processes.log(worker)
    assert broker.counts(queue) == (0, 0)
    assert broker.counts(queue + ".dead") == (0, 0)


def test_swift_worker_declares_the_documented_topology(broker, processes, queue):
    worker = start_worker(processes, broker, queue, "true")
    assert processes.stop(worker) == 0, Processes.log(worker)
    channel = broker.fresh_channel()
    # Re-declaring with the documented arguments succeeds only if the broker has the same ones
    # (RabbitMQ answers 406 PRECONDITION_FAILED to inequivalent arguments).
    channel.queue_declare(queue, durable=True, arguments=warren_arguments(queue))
    channel.queue_declare(queue + ".dead", durable=True)
    channel.exchange_declare(DEAD_LETTER_EXCHANGE, "direct", durable=True)
    channel.exchange_declare(DELIVERY_EXCHANGE, "topic", durable=True)
    for level in range(LEVELS):
        name = f"warren.delay.{level}"
        channel.exchange_declare(name, "topic", durable=True)
        channel.queue_declare(name, durable=True, arguments={
            "x-message-ttl": 100 * 2**level,
            "x-dead-letter-exchange": f"warren.delay.{level - 1}" if level else DELIVERY_EXCHANGE,
        })
    # The bindings, by what they route: the delivery exchange reaches Q, the dead-letter exchange Q.dead.
    broker.publish("0." * LEVELS + queue, b'"via delivery"', exchange=DELIVERY_EXCHANGE, delivery_mode=2)
    assert broker.get(queue, 10)[2] == b'"via delivery"'
    broker.publish(queue, b'"via dead-letter"', exchange=DEAD_LETTER_EXCHANGE, delivery_mode=2)
    assert broker.get(queue + ".dead", 10)[2] == b'"via dead-letter"'
    # And the broker's own dead-lettering from Q lands in Q.dead.
    broker.publish(queue, b'"expires"', delivery_mode=2, expiration="1")
    method, properties, body = broker.get(queue + ".dead", 10)
    assert body == b'"expires"' and method.exchange == DEAD_LETTER_EXCHANGE and method.routing_key == queue
    assert properties.headers["x-first-death-reason"] == "expired"
    rows = list_bindings()
    if rows is not None:
        assert (DEAD_LETTER_EXCHANGE, queue + ".dead", queue) in rows
        assert (DELIVERY_EXCHANGE, queue, "*." * LEVELS + queue) in rows
        assert ("warren.delay.3", "warren.delay.3", "*." * 22 + "1.#") in rows
        assert ("warren.delay.3", "warren.delay.2", "*." * 22 + "0.#") in rows


def list_bindings():
    """The broker's bindings as {(source, destination, routing key)}: from the management API at
    WARREN_MANAGEMENT_URL when set (it must answer), else from the host's `rabbitmqctl` if it has
    one and it answers (the default broker), else None."""
    if MANAGEMENT_URL:
        parameters = pika.URLParameters(AMQP_URL)
        vhost = urllib.parse.quote(parameters.virtual_host, safe="")
        url = MANAGEMENT_URL.rstrip("/") + f"/api/bindings/{vhost}?columns=source,destination,routing_key"
        credentials = f"{parameters.credentials.username}:{parameters.credentials.password}".encode()
        request = urllib.request.Request(url, headers={"Authorization": "Basic " + base64.b64encode(credentials).decode()})
        with urllib.request.urlopen(request, timeout=30) as response:
            return {(row["source"], row["destination"], row["routing_key"]) for row in json.load(response)}
    if shutil.which("rabbitmqctl"):
        listing = subprocess.run(
            ["rabbitmqctl", "-q", "list_bindings", "source_name", "destination_name", "routing_key"],
            capture_output=True, text=True, timeout=60,
        )
        if listing.returncode == 0:
            return {tuple(line.split("\t")) for line in listing.stdout.splitlines()}
    return None


# ---------------------------------------------------------------------------------------------
# (b) Swift producer -> Python consumer


def read_with_consumer_example(queue, count=1, timeout=30):
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "consumer.py"), queue, "--count", str(count), "--timeout", str(timeout), "--json"],
        capture_output=True, text=True, timeout=timeout + 30, env={**os.environ, "AMQP_URL": AMQP_URL},
    )
    records = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return result, records


def test_swift_task_is_read_by_pika_with_documented_properties(broker, queue):
    warren = need_cli("publish")
    body = '{"userID": 7, "address": "a@example.com", "note": "caf\u00e9"}'
    before = int(time.time())
    published = subprocess.run(
        [warren, "publish", "--queue", queue, "--task", "send-welcome-email", "--body", body,
         "--correlation-id", "request-42", "--declare", "--url", AMQP_URL],
        capture_output=True, text=True, timeout=60,
    )
    assert published.returncode == 0, published.stderr
    message_id = published.stdout.strip()
    after = int(time.time())

    result, records = read_with_consumer_example(queue)
    assert result.returncode == 0, result.stdout + result.stderr
    [record] = records
    assert record["problems"] == []
    assert record["exchange"] == "" and record["routing_key"] == queue
    assert record["content_type"] == "application/json"
    assert record["content_encoding"] == "utf-8"
    assert record["delivery_mode"] == 2
    assert record["message_id"] == message_id
    uuid.UUID(message_id)
    assert message_id == message_id.lower()
    assert record["type"] == "send-welcome-email"
    assert before <= record["timestamp"] <= after
    assert record["correlation_id"] == "request-42"
    assert record["app_id"] == "warren-cli"
    assert record["expiration"] is None and record["priority"] is None
    assert record["body"] == body
    assert record["payload"] == json.loads(body)
    headers = record["headers"]
    assert not any(name.startswith("x-warren-") and name != "x-warren-publish-seq" for name in headers), headers
    assert isinstance(headers.get("x-warren-publish-seq"), int)
    assert broker.counts(queue) == (0, 0)  # the consumer acked it


def test_swift_delayed_task_uses_the_documented_routing_key(broker, queue):
    warren = need_cli("publish")
    delay_route = load_delay_route()
    started = time.monotonic()
    published = subprocess.run(
        [warren, "publish", "--queue", queue, "--task", "later", "--body", "{}", "--delay", "1", "--declare", "--url", AMQP_URL],
        capture_output=True, text=True, timeout=60,
    )
    assert published.returncode == 0, published.stderr
    method, properties, body = broker.get(queue, 20)
    waited = time.monotonic() - started
    assert method.routing_key == delay_route(queue, 1000)[1]
    assert [death["queue"] for death in properties.headers["x-death"]] == ["warren.delay.1", "warren.delay.3"]
    assert waited >= 0.9, waited
    assert properties.type == "later" and body == b"{}"


def test_pika_delayed_task_reaches_swift_worker_after_the_delay(broker, processes, queue, tmp_path):
    output = tmp_path / "ran-at"
    start_worker(processes, broker, queue, f"cat > /dev/null; date +%s.%N >> {shlex.quote(str(output))}")
    exchange, routing_key = load_delay_route()(queue, 1500)
    assert exchange == "warren.delay.3"  # 15 units = 1111
    published_at = time.time()
    broker.publish(routing_key, b'{"later": true}', exchange=exchange, content_type="application/json",
                   content_encoding="utf-8", delivery_mode=2, message_id=str(uuid.uuid4()),
                   timestamp=int(published_at), type="later")
    wait_for(lambda: output.exists() and output.read_text().strip(), 30, what="the delayed task to run")
    ran_at = float(output.read_text().split()[0])
    assert ran_at - published_at >= 1.4, ran_at - published_at


# ---------------------------------------------------------------------------------------------
# (c) Poison messages from Python, dead-lettered by the Swift worker


def test_invalid_json_is_dead_lettered_by_swift_worker(broker, processes, queue, tmp_path, schema):
    ran = tmp_path / "ran"
    start_worker(processes, broker, queue, f"cat >> {shlex.quote(str(ran))}", "--max-attempts", "3")
    body = b'{"unterminated": '
    broker.publish(queue, body, content_type="application/json", content_encoding="utf-8", delivery_mode=2,
                   message_id="poison-1", timestamp=int(time.time()), type="send-welcome-email",
                   headers={"x-producer": "python"})
    method, properties, dead_body = broker.get(queue + ".dead", 30)
    headers = properties.headers
    assert dead_body == body
    assert method.exchange == DEAD_LETTER_EXCHANGE and method.routing_key == queue
    assert headers["x-warren-dead-reason"] == "invalid-json"
    assert headers["x-warren-attempt"] == 1
    assert headers["x-warren-queue"] == queue
    assert headers["x-producer"] == "python"  # unknown headers are kept
    assert properties.message_id == "poison-1" and properties.type == "send-welcome-email"
    assert properties.delivery_mode == 2
    assert list(schema.iter_errors(headers)) == []
    assert not ran.exists(), "the command ran for a body that is not JSON"
    assert broker.counts(queue)[0] == 0


def test_unknown_task_name_is_dead_lettered(broker, processes, queue):
    """A pika task whose name the Swift worker has no handler for goes to Q.dead as unknown-task.
    `warren worker --exec` takes every name, so this uses the Swift example worker (named handlers
    only), built beside the CLI."""
    need_cli("worker")
    example = os.path.join(os.path.dirname(WARREN), "ExampleWorker")
    if not os.access(example, os.X_OK):
        if REQUIRE_CLI:
            pytest.fail(f"{example} is not built")
        pytest.skip(f"{example} is not built")
    worker = processes.start([example], "example-worker", env={**os.environ, "EXAMPLE_QUEUE": queue})
    wait_for(lambda: (broker.counts(queue) or (0, 0))[1] >= 1, 30, interval=0.1, what="ExampleWorker consuming")
    broker.publish(queue, b'{"n": 1}', content_type="application/json", delivery_mode=2,
                   message_id="unknown-1", timestamp=int(time.time()), type="no-such-task")
    method, properties, body = broker.get(queue + ".dead", 30)
    assert properties.message_id == "unknown-1"
    assert properties.headers.get("x-warren-dead-reason") == "unknown-task"
    assert "no-such-task" in properties.headers.get("x-warren-last-error", "")
    assert body == b'{"n": 1}'
    assert worker.poll() is None


def test_message_without_type_is_dead_lettered_as_unknown_task(broker, processes, queue, tmp_path):
    ran = tmp_path / "ran"
    start_worker(processes, broker, queue, f"cat >> {shlex.quote(str(ran))}", "--max-attempts", "1")
    broker.publish(queue, b'{"no": "type"}', content_type="application/json", delivery_mode=2,
                   message_id="typeless-1", timestamp=int(time.time()))
    wait_for(lambda: ran.exists() or (broker.counts(queue + ".dead") or (0, 0))[0] > 0, 30,
             what="the message to be run or dead-lettered")
    assert not ran.exists(), "the command ran for a message without a task name"
    method, properties, body = broker.get(queue + ".dead", 10)
    assert properties.headers.get("x-warren-dead-reason") == "unknown-task"


# ---------------------------------------------------------------------------------------------
# (d) Real retry copies and dead letters validate against the JSON Schema


def test_retry_copy_and_dead_letter_headers_validate_against_schema(broker, processes, queue, schema):
    spy = spy_on_retries(broker, queue)
    start_worker(processes, broker, queue, "cat > /dev/null; echo 'disk on fire' >&2; exit 3",
                 "--max-attempts", "2", "--initial-delay", "0.3")
    broker.publish(queue, b'{"n": 1}', content_type="application/json", content_encoding="utf-8", delivery_mode=2,
                   message_id="retried-1", timestamp=int(time.time()), type="flaky",
                   headers={"x-producer": "python"})

    _, retry, retry_body = broker.get(spy, 30)
    method, dead, dead_body = broker.get(queue + ".dead", 30)

    retry_headers = retry.headers
    assert list(schema.iter_errors(retry_headers)) == []
    assert retry_headers["x-warren-attempt"] == 2
    assert retry_headers["x-warren-queue"] == queue
    assert "x-warren-dead-reason" not in retry_headers
    assert retry_headers["x-warren-first-failure-at"] == retry_headers["x-warren-last-failure-at"]
    assert "status 3" in retry_headers["x-warren-last-error"]
    assert "disk on fire" in retry_headers["x-warren-last-error"]
    assert retry_headers["x-producer"] == "python"
    assert retry.message_id == "retried-1" and retry_body == b'{"n": 1}' and retry.delivery_mode == 2

    headers = dead.headers
    assert list(schema.iter_errors(headers)) == []
    assert method.exchange == DEAD_LETTER_EXCHANGE and method.routing_key == queue
    assert headers["x-warren-dead-reason"] == "max-attempts-exceeded"
    assert headers["x-warren-attempt"] == 2
    assert headers["x-warren-first-failure-at"] == retry_headers["x-warren-first-failure-at"]
    assert headers["x-warren-last-failure-at"] >= headers["x-warren-first-failure-at"] + 250
    assert len(headers["x-warren-last-error"].encode("utf-8")) <= 2048
    assert headers["x-producer"] == "python"
    assert not any(name == "x-death" or name.startswith("x-first-death") for name in headers), headers
    assert dead.message_id == "retried-1" and dead_body == b'{"n": 1}' and dead.type == "flaky"


def test_permanent_failure_header_validates_against_schema(broker, processes, queue, schema):
    start_worker(processes, broker, queue, "cat > /dev/null; exit 65", "--max-attempts", "5")
    broker.publish(queue, b"[]", content_type="application/json", delivery_mode=2, message_id="permanent-1",
                   timestamp=int(time.time()), type="doomed", headers={"x-warren-attempt": 2})
    _, dead, _ = broker.get(queue + ".dead", 30)
    assert list(schema.iter_errors(dead.headers)) == []
    assert dead.headers["x-warren-dead-reason"] == "permanent-failure"
    # A producer-set attempt (here a 32-bit `I` integer, as pika sends small ints) is believed.
    assert dead.headers["x-warren-attempt"] == 2


def test_replayed_dead_letter_validates_against_schema(broker, processes, queue, schema):
    warren = need_cli("dead-letters", "replay")
    worker = start_worker(processes, broker, queue, "cat > /dev/null; exit 65", "--max-attempts", "3")
    broker.publish(queue, b'{"again": 1}', content_type="application/json", delivery_mode=2,
                   message_id="replayed-1", timestamp=int(time.time()), type="doomed",
                   headers={"x-producer": "python"})
    wait_for(lambda: (broker.counts(queue + ".dead") or (0, 0))[0] == 1, 30, what="the dead letter")
    assert processes.stop(worker) == 0, Processes.log(worker)

    replay = subprocess.run([warren, "dead-letters", "replay", "--queue", queue, "--url", AMQP_URL],
                            capture_output=True, text=True, timeout=60)
    assert replay.returncode == 0, replay.stdout + replay.stderr
    method, properties, body = broker.get(queue, 10)
    headers = properties.headers
    assert list(schema.iter_errors(headers)) == []
    assert headers["x-warren-replays"] == 1
    for removed in ("x-warren-attempt", "x-warren-dead-reason", "x-warren-last-error",
                    "x-warren-first-failure-at", "x-warren-last-failure-at"):
        assert removed not in headers, headers
    assert headers["x-producer"] == "python"
    assert method.exchange == "" and method.routing_key == queue
    assert properties.message_id == "replayed-1" and properties.type == "doomed" and body == b'{"again": 1}'
    assert broker.counts(queue + ".dead") == (0, 0)
