#!/usr/bin/python3
"""A BackendService (proto/memgate/backend/v1/backend.proto) over a Python
dict, implementing the full contract: the service keeps flags, expiry and cas
itself, so memgate keeps no side table and any number of memgates in front of
it agree on them.

usage: dict_backend.py --listen HOST:PORT [--max-item-size BYTES] [--verbose]

Needs Debian's python3-grpcio and python3-protobuf, and protoc with
grpc_python_plugin (protobuf-compiler, protobuf-compiler-grpc): the stubs are
generated from backend.proto at start-up.
"""
import argparse
import atexit
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent import futures

import grpc

HERE = os.path.dirname(os.path.abspath(__file__))
PROTO_ROOT = os.path.join(HERE, "..", "..", "proto")
PROTO = "memgate/backend/v1/backend.proto"


def load_stubs():
    """Generates backend_pb2 and backend_pb2_grpc into a fresh directory."""
    out = tempfile.mkdtemp(prefix="memgate-backend-stubs-")
    atexit.register(shutil.rmtree, out, ignore_errors=True)
    subprocess.run(
        ["protoc", "-I", PROTO_ROOT, "--python_out=" + out,
         "--grpc_python_out=" + out,
         "--plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin", PROTO],
        check=True)
    sys.path.insert(0, out)
    from memgate.backend.v1 import backend_pb2, backend_pb2_grpc
    return backend_pb2, backend_pb2_grpc


pb, pb_grpc = load_stubs()

MAX_RELATIVE_EXPTIME = 60 * 60 * 24 * 30
U64 = 1 << 64
# strtoull's rules, as memcached parses incr/decr values: leading space, a
# sign, digits, then the end or a space (anything may follow that).
NUMBER = re.compile(rb"[ \t\n\v\f\r]*([+-]?)([0-9]+)(?:[ \t\n\v\f\r]|\Z)")


def parse_number(value):
    """The number memcached reads in an incr/decr value, or None."""
    match = NUMBER.match(value)
    if not match:
        return None
    number = int(match.group(2))
    if number >= U64:
        return None
    if match.group(1) == b"-":
        # strtoull negates in unsigned arithmetic; memcached refuses a result
        # that is negative as a signed number.
        number = -number % U64
        if number >= 1 << 63:
            return None
    return number


def expires_at(exptime, now):
    """memcached's exptime rule: 0 never, up to 30 days relative, larger an
    absolute unix time, negative already expired (-1)."""
    if exptime == 0:
        return 0
    if exptime < 0:
        return -1
    at = now + exptime if exptime <= MAX_RELATIVE_EXPTIME else exptime
    return at if at > now else -1


class Item:
    __slots__ = ("value", "flags", "expires_at", "cas", "updated")

    def __init__(self, value, flags, expires, cas, now):
        self.value, self.flags, self.expires_at, self.cas = value, flags, expires, cas
        self.updated = now


class DictBackend(pb_grpc.BackendServiceServicer):
    def __init__(self, max_item_size, verbose):
        self.lock = threading.Lock()
        self.items = {}
        self.last_cas = 0
        self.flush_at = 0  # a delayed flush_all: items older than this go then
        self.max_item_size = max_item_size
        self.verbose = verbose

    # --- helpers, called with the lock held ---

    def _next_cas(self, explicit=0):
        # An explicit cas (memcached's meta E) is used as it is, and the
        # counter moves past it, so that no later change repeats it.
        if explicit:
            if explicit < U64 - 1:
                self.last_cas = max(self.last_cas, explicit)
            return explicit
        self.last_cas += 1
        return self.last_cas

    def _live(self, key, now):
        item = self.items.get(key)
        if item is None:
            return None
        expired = item.expires_at != 0 and item.expires_at <= now
        flushed = self.flush_at and self.flush_at <= now and item.updated < self.flush_at
        if expired or flushed:
            del self.items[key]
            return None
        return item

    def _put(self, key, value, flags, expires, now, explicit_cas=0):
        item = Item(value, flags, expires, self._next_cas(explicit_cas), now)
        self.items[key] = item
        return item

    @staticmethod
    def _probe(request, context):
        # memcached keys are never empty: this is memgate asking what we do.
        if not request.key:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "empty key")

    # --- the plain contract ---

    def Find(self, request, context):
        with self.lock:
            return pb.FindResponse(found=self._live(request.key, int(time.time())) is not None)

    def Get(self, request, context):
        now = int(time.time())
        response = pb.GetResponse(metadata=True, explicit_cas=True)
        with self.lock:
            for key in request.keys:
                item = self._live(key, now)
                if item is None:
                    response.items.add(found=False)
                    continue
                if request.HasField("touch_exptime"):
                    item.expires_at = expires_at(request.touch_exptime, now)
                response.items.add(found=True, value=item.value, flags=item.flags,
                                   exptime=max(item.expires_at, 0), cas=item.cas)
                if item.expires_at == -1:
                    del self.items[key]
        return response

    def Set(self, request, context):
        now = int(time.time())
        if len(request.value) > self.max_item_size:
            return pb.SetResponse(failure=pb.Failure(message="object too large for cache"))
        with self.lock:
            self._put(request.key, request.value, request.flags,
                      expires_at(request.exptime, now), now)
        return pb.SetResponse()

    def Delete(self, request, context):
        with self.lock:
            found = self._live(request.key, int(time.time())) is not None
            if found:
                del self.items[request.key]
        return pb.DeleteResponse(deleted=found)

    def FlushAll(self, request, context):
        now = int(time.time())
        with self.lock:
            if request.delay_seconds > 0:
                self.flush_at = expires_at(request.delay_seconds, now)
            else:
                self.items.clear()
                self.flush_at = 0
        return pb.FlushAllResponse()

    def ClientOpened(self, request, context):
        if self.verbose:
            print("client %d opened from %s on %r" % (request.client.id, request.client.peer,
                                                      request.client.listener), file=sys.stderr)
        return pb.ClientOpenedResponse()

    def ClientClosed(self, request, context):
        if self.verbose:
            print("client %d closed" % request.client.id, file=sys.stderr)
        return pb.ClientClosedResponse()

    # --- the full contract: what memgate would otherwise keep itself ---

    def Store(self, request, context):
        self._probe(request, context)
        now = int(time.time())
        mode, key = request.mode, request.key
        with self.lock:
            item = self._live(key, now)
            if mode in (pb.STORE_MODE_APPEND, pb.STORE_MODE_PREPEND):
                if item is None:
                    return pb.StoreResponse(outcome=pb.STORE_OUTCOME_NOT_STORED)
                value = (item.value + request.value if mode == pb.STORE_MODE_APPEND
                         else request.value + item.value)
                if len(value) > self.max_item_size:
                    return pb.StoreResponse(outcome=pb.STORE_OUTCOME_TOO_LARGE)
                stored = self._put(key, value, item.flags, item.expires_at, now,
                                   request.explicit_cas)
                return pb.StoreResponse(outcome=pb.STORE_OUTCOME_STORED, cas=stored.cas)
            if len(request.value) > self.max_item_size:
                return pb.StoreResponse(outcome=pb.STORE_OUTCOME_TOO_LARGE)
            if mode == pb.STORE_MODE_ADD and item is not None:
                return pb.StoreResponse(outcome=pb.STORE_OUTCOME_NOT_STORED)
            if mode == pb.STORE_MODE_REPLACE and item is None:
                return pb.StoreResponse(outcome=pb.STORE_OUTCOME_NOT_STORED)
            if mode == pb.STORE_MODE_CAS:
                if item is None:
                    return pb.StoreResponse(outcome=pb.STORE_OUTCOME_NOT_FOUND)
                if item.cas != request.cas:
                    return pb.StoreResponse(outcome=pb.STORE_OUTCOME_EXISTS)
            if mode == pb.STORE_MODE_UNSPECIFIED:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, "no store mode")
            stored = self._put(key, request.value, request.flags,
                               expires_at(request.exptime, now), now, request.explicit_cas)
            return pb.StoreResponse(outcome=pb.STORE_OUTCOME_STORED, cas=stored.cas)

    def Arith(self, request, context):
        self._probe(request, context)
        now = int(time.time())
        with self.lock:
            item = self._live(request.key, now)
            if item is None:
                return pb.ArithResponse(outcome=pb.ARITH_OUTCOME_NOT_FOUND)
            current = parse_number(item.value)
            if current is None:
                return pb.ArithResponse(outcome=pb.ARITH_OUTCOME_NON_NUMERIC)
            if request.op == pb.ARITH_OP_INCR:
                value = (current + request.delta) % U64
            else:
                value = max(current - request.delta, 0)
            text = str(value).encode()
            # memcached rewrites a number that got no longer in place, padded.
            if len(text) < len(item.value):
                text = text.ljust(len(item.value))
            item.value, item.cas, item.updated = text, self._next_cas(request.explicit_cas), now
            return pb.ArithResponse(outcome=pb.ARITH_OUTCOME_OK, value=value, cas=item.cas)

    def Touch(self, request, context):
        self._probe(request, context)
        now = int(time.time())
        with self.lock:
            item = self._live(request.key, now)
            if item is None:
                return pb.TouchResponse(outcome=pb.TOUCH_OUTCOME_NOT_FOUND)
            item.expires_at = expires_at(request.exptime, now)
            if item.expires_at == -1:
                del self.items[request.key]
            return pb.TouchResponse(outcome=pb.TOUCH_OUTCOME_TOUCHED)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listen", required=True, help="HOST:PORT (port 0 picks one)")
    parser.add_argument("--max-item-size", type=int, default=1 << 20)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()

    limit = args.max_item_size + (1 << 20)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8),
                         options=[("grpc.max_receive_message_length", limit),
                                  ("grpc.max_send_message_length", -1)])
    pb_grpc.add_BackendServiceServicer_to_server(
        DictBackend(args.max_item_size, args.verbose), server)
    port = server.add_insecure_port(args.listen)
    if port == 0:
        sys.exit("dict_backend: cannot listen on " + args.listen)
    server.start()
    host = args.listen.rsplit(":", 1)[0]
    print("dict_backend: listening on %s:%d" % (host, port), file=sys.stderr, flush=True)

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    server.stop(0)


if __name__ == "__main__":
    main()
