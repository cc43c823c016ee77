#!/usr/bin/env python3
"""A small TCP proxy for fault tests: it sits between a client and the broker and, on command,
cuts, stalls or refuses connections.

    fault-proxy.py --listen PORT --target HOST:PORT --control PORT [--verbose]

Both ports listen on 127.0.0.1 only; 0 picks a free port. When ready it prints one line on stdout,
`listening PORT control PORT`, and nothing more there (log lines go to stderr with --verbose).

The control port takes one command per line and answers one line, `ok ...` or `error ...`:

    cut        close every proxied connection at once, both ways, with a TCP reset
    cut fin    the same with an orderly close (FIN) instead of a reset
    stall      stop forwarding in both directions, keeping the sockets open; connections accepted
               later are stalled too
    resume     forward again, on every connection
    resume new forward on connections accepted from now on; the ones stalled so far stay stalled
               for good (until `cut`, or a plain `resume`)
    refuse     close new connections as soon as they are accepted
    accept     accept new connections again
    stats      `ok connections N open N stalled N refusing 0|1 cuts N up BYTES down BYTES`
    ping       `ok pong`

It exits when stdin reaches its end (the process that started it died or let go) or on SIGTERM /
SIGINT, so a test that dies does not leave it running. Python 3 standard library only.
"""

import argparse
import asyncio
import os
import signal
import socket
import struct
import sys
import threading

CHUNK = 65536


def log(verbose, text):
    if verbose:
        print(f"fault-proxy: {text}", file=sys.stderr, flush=True)


class Link:
    """One client connection and its upstream connection."""

    def __init__(self, proxy, number, client_reader, client_writer, stalled):
        self.proxy = proxy
        self.number = number
        self.client_reader = client_reader
        self.client_writer = client_writer
        self.upstream_writer = None
        self.flowing = asyncio.Event()
        if not stalled:
            self.flowing.set()
        self.closed = False

    async def run(self):
        host, port = self.proxy.target
        try:
            upstream_reader, upstream_writer = await asyncio.wait_for(asyncio.open_connection(host, port), 10)
        except (OSError, asyncio.TimeoutError) as error:
            log(self.proxy.verbose, f"#{self.number}: upstream connect failed: {error}")
            self.abort()
            return
        if self.closed:  # cut while connecting
            self._abort_writer(upstream_writer, reset=True)
            return
        self.upstream_writer = upstream_writer
        pumps = [
            asyncio.ensure_future(self.pump(self.client_reader, upstream_writer, "up")),
            asyncio.ensure_future(self.pump(upstream_reader, self.client_writer, "down")),
        ]
        await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        # One side ended: end the other one too (AMQP needs no half-open connections).
        self.close()
        for pump in pumps:
            pump.cancel()
        await asyncio.gather(*pumps, return_exceptions=True)

    async def pump(self, reader, writer, direction):
        try:
            while True:
                await self.flowing.wait()
                data = await reader.read(CHUNK)
                if not data:
                    log(self.proxy.verbose, f"#{self.number}: end of stream ({direction})")
                    return
                # Stalled meanwhile: hold what was read until the link flows again (maybe never).
                await self.flowing.wait()
                writer.write(data)
                self.proxy.bytes[direction] += len(data)
                await writer.drain()
        except (OSError, ConnectionError, asyncio.IncompleteReadError):
            return

    def stall(self):
        self.flowing.clear()

    def resume(self):
        self.flowing.set()

    def close(self):
        """An orderly close of both sides, flushing what was written."""
        if self.closed:
            return
        self.closed = True
        self.flowing.set()
        for writer in (self.client_writer, self.upstream_writer):
            if writer is not None:
                try:
                    writer.close()
                except Exception:
                    pass
        self.proxy.links.discard(self)

    def abort(self, reset=True):
        """Both sides closed at once, unsent data dropped; with a reset unless `reset` is False."""
        if self.closed:
            return
        self.closed = True
        self.flowing.set()
        for writer in (self.client_writer, self.upstream_writer):
            if writer is not None:
                self._abort_writer(writer, reset)
        self.proxy.links.discard(self)

    @staticmethod
    def _abort_writer(writer, reset):
        transport = writer.transport
        if reset:
            sock = transport.get_extra_info("socket")
            if sock is not None:
                try:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                except OSError:
                    pass
            transport.abort()
        else:
            # FIN now, without waiting to flush: shut the socket down, then drop the transport.
            sock = transport.get_extra_info("socket")
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            transport.abort()


class Proxy:
    def __init__(self, target, verbose):
        self.target = target
        self.verbose = verbose
        self.links = set()
        self.accepted = 0
        self.cuts = 0
        self.stalled = False
        self.refusing = False
        self.bytes = {"up": 0, "down": 0}
        self.tasks = set()

    async def on_client(self, reader, writer):
        self.accepted += 1
        number = self.accepted
        if self.refusing:
            log(self.verbose, f"#{number}: refused")
            Link._abort_writer(writer, reset=True)
            return
        link = Link(self, number, reader, writer, stalled=self.stalled)
        self.links.add(link)
        log(self.verbose, f"#{number}: accepted{' (stalled)' if self.stalled else ''}")
        task = asyncio.current_task()
        self.tasks.add(task)
        try:
            await link.run()
        finally:
            self.tasks.discard(task)
            self.links.discard(link)

    def command(self, line):
        words = line.split()
        if not words:
            return "error empty command"
        verb, rest = words[0].lower(), [word.lower() for word in words[1:]]
        if verb == "cut":
            reset = rest != ["fin"]
            links = list(self.links)
            for link in links:
                link.abort(reset=reset)
            self.cuts += 1
            log(self.verbose, f"cut {len(links)} connection(s){'' if reset else ' (fin)'}")
            return f"ok cut {len(links)}"
        if verb == "stall":
            self.stalled = True
            for link in self.links:
                link.stall()
            log(self.verbose, f"stalled {len(self.links)} connection(s)")
            return f"ok stalled {len(self.links)}"
        if verb == "resume":
            self.stalled = False
            if rest == ["new"]:
                log(self.verbose, "new connections flow; old ones stay stalled")
                return "ok resumed new"
            for link in self.links:
                link.resume()
            log(self.verbose, f"resumed {len(self.links)} connection(s)")
            return f"ok resumed {len(self.links)}"
        if verb == "refuse":
            self.refusing = True
            return "ok refusing"
        if verb == "accept":
            self.refusing = False
            return "ok accepting"
        if verb == "stats":
            stalled = sum(1 for link in self.links if not link.flowing.is_set())
            return (
                f"ok connections {self.accepted} open {len(self.links)} stalled {stalled} "
                f"refusing {int(self.refusing)} cuts {self.cuts} up {self.bytes['up']} down {self.bytes['down']}"
            )
        if verb == "ping":
            return "ok pong"
        return f"error unknown command: {verb}"

    async def on_control(self, reader, writer):
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                answer = self.command(line.decode("utf-8", "replace").strip())
                writer.write((answer + "\n").encode())
                await writer.drain()
        except (OSError, ConnectionError):
            pass
        finally:
            try:
                writer.close()
            except Exception:
                pass

    def shut_down(self):
        for link in list(self.links):
            link.abort(reset=True)


def watch_stdin(loop, stop):
    """Stops the proxy when stdin ends: the parent died or closed its end."""
    try:
        while os.read(0, 4096):
            pass
    except OSError:
        pass
    loop.call_soon_threadsafe(stop.set)


async def main():
    parser = argparse.ArgumentParser(description="A TCP proxy that cuts, stalls or refuses connections on command.")
    parser.add_argument("--listen", type=int, required=True, help="proxy port on 127.0.0.1 (0: pick one)")
    parser.add_argument("--target", required=True, help="HOST:PORT to forward to")
    parser.add_argument("--control", type=int, required=True, help="control port on 127.0.0.1 (0: pick one)")
    parser.add_argument("--verbose", action="store_true", help="log connections and commands to stderr")
    arguments = parser.parse_args()
    host, _, port = arguments.target.rpartition(":")
    if not host or not port.isdigit():
        parser.error("--target must be HOST:PORT")
    proxy = Proxy((host.strip("[]"), int(port)), arguments.verbose)

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    threading.Thread(target=watch_stdin, args=(loop, stop), daemon=True).start()

    server = await asyncio.start_server(proxy.on_client, "127.0.0.1", arguments.listen, reuse_address=True)
    control = await asyncio.start_server(proxy.on_control, "127.0.0.1", arguments.control, reuse_address=True)
    listen_port = server.sockets[0].getsockname()[1]
    control_port = control.sockets[0].getsockname()[1]
    print(f"listening {listen_port} control {control_port}", flush=True)
    log(proxy.verbose, f"forwarding 127.0.0.1:{listen_port} to {arguments.target}")

    await stop.wait()
    log(proxy.verbose, "stopping")
    server.close()
    control.close()
    proxy.shut_down()
    # The links' pumps end on their own once their sockets are aborted.
    if proxy.tasks:
        await asyncio.wait(list(proxy.tasks), timeout=2)


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
