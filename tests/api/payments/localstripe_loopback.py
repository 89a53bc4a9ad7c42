"""localstripe (a Stripe emulator from PyPI) for one test, on a loopback port.

localstripe itself listens on every interface and keeps its state in one shared file; this
launcher binds 127.0.0.1 and keeps the state in the test's own file (so a restart on the same
port finds the payments made before it). Three things Stripe does that localstripe 1.15 does
not model are bridged here:
- `Idempotency-Key`: a POST that repeats a key is answered what the first one was answered
  (status and body, errors included) and carries nothing out again. Keys live as long as the
  process.
- `automatic_payment_methods` (Stripe's default since 2023; the engine sends it to refuse
  redirect-based methods) is accepted and ignored: localstripe only knows cards.
- POST /_config/lose_next_answers {"count": n}: the next n PaymentIntent creations are carried
  out (charged, webhooks sent) but their answer is lost: the connection is closed instead.

Usage: python localstripe_loopback.py --listen 127.0.0.1:PORT --state FILE
"""

import argparse
import logging
import pickle
import socket

from aiohttp import web
from localstripe import resources, server

parser = argparse.ArgumentParser()
parser.add_argument("--listen", required=True)
parser.add_argument("--state", required=True)
args = parser.parse_args()
host, port = args.listen.rsplit(":", 1)


def dump_to_disk(store):
    with open(args.state, "wb") as f:
        pickle.dump(dict(store), f, protocol=pickle.HIGHEST_PROTOCOL)


def load_from_disk(store):
    try:
        with open(args.state, "rb") as f:
            store.clear()
            store.update(pickle.load(f))
    except FileNotFoundError:
        pass


type(resources.store).dump_to_disk = dump_to_disk
type(resources.store).try_load_from_disk = load_from_disk
resources.store.try_load_from_disk()

intent_init = resources.PaymentIntent.__init__


def payment_intent_init(self, *positional, automatic_payment_methods=None, **named):
    intent_init(self, *positional, **named)


resources.PaymentIntent.__init__ = payment_intent_init

answers_to_lose = {"count": 0}


async def lose_next_answers(request):
    answers_to_lose["count"] = int((await request.json())["count"])
    return web.Response()


@web.middleware
async def lose_answers(request, handler):
    response = await handler(request)
    if (request.method == "POST" and request.path == "/v1/payment_intents"
            and answers_to_lose["count"] > 0):
        answers_to_lose["count"] -= 1
        request.transport.close()
    return response


answers_by_key = {}


@web.middleware
async def idempotency(request, handler):
    key = request.headers.get("Idempotency-Key")
    if request.method != "POST" or not key:
        return await handler(request)
    if key not in answers_by_key:
        response = await handler(request)
        answers_by_key[key] = (response.status, response.body)
        return response
    status, body = answers_by_key[key]
    return web.Response(status=status, body=body, content_type="application/json")


# Outermost, so an error localstripe raises is answered (and remembered) as Stripe would.
server.app.middlewares.insert(0, idempotency)
server.app.middlewares.append(lose_answers)
server.app.router.add_post("/_config/lose_next_answers", lose_next_answers)

# Requests and webhook deliveries ("webhook \"<type>\" successfully delivered") go to stderr,
# which the test harness keeps in the server's log.
access = logging.getLogger("aiohttp.access")
access.setLevel(logging.INFO)
access.addHandler(logging.StreamHandler())

sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind((host, int(port)))
web.run_app(server.app, sock=sock, print=None)
