"""A real SMTP server for the mailer's tests (aiosmtpd, installed by `scripts/services start`).

    python smtp_sink.py --listen 127.0.0.1:PORT --dir DIR [--auth USER:PASSWORD]

Accepts every message and stores it, decoded by Python's `email` package, as one JSON file in
DIR (envelope sender and recipients, the login used, the headers the tests check, and both
body parts), written to a temporary name and renamed so readers never see half a file. With
`--auth`, AUTH PLAIN/LOGIN with exactly those credentials is required (over plain TCP: it runs
on loopback only). Runs until SIGTERM.
"""

import argparse
import asyncio
import json
import os
import signal
import uuid
import warnings
from email import policy
from email.parser import BytesParser

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Sink:
    """Stores every message of the SMTP dialog as JSON in `directory`."""

    def __init__(self, directory):
        self.directory = directory

    async def handle_DATA(self, server, session, envelope):
        message = BytesParser(policy=policy.default).parsebytes(envelope.original_content)
        parts = {}
        for kind in ("plain", "html"):
            part = message.get_body(preferencelist=(kind,))
            parts[kind] = part.get_content() if part is not None else None
            parts[kind + "_encoding"] = (
                part.get("Content-Transfer-Encoding") if part is not None else None
            )
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "login": session.auth_data.login.decode() if session.authenticated else None,
            "from": str(message["From"]),
            "to": str(message["To"]),
            "subject": str(message["Subject"]),
            "message_id": str(message["Message-ID"]),
            "date": str(message["Date"]),
            "content_type": message.get_content_type(),
            "text": parts["plain"],
            "html": parts["html"],
            "text_encoding": parts["plain_encoding"],
        }
        name = f"{uuid.uuid4().hex}.json"
        temporary = os.path.join(self.directory, "." + name + ".tmp")
        with open(temporary, "w", encoding="utf-8") as out:
            json.dump(record, out)
        os.rename(temporary, os.path.join(self.directory, name))
        return "250 Message accepted for delivery"


def authenticator_for(credentials):
    user, password = credentials.split(":", 1)

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == user
            and auth_data.password.decode() == password
        )
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    return authenticate


async def serve(host, port, directory, credentials):
    handler = Sink(directory)
    options = {"enable_SMTPUTF8": True}
    if credentials:
        options.update(
            auth_required=True,
            auth_require_tls=False,
            authenticator=authenticator_for(credentials),
        )
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, **options), host=host, port=port, reuse_address=True
    )
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    await stop.wait()
    server.close()
    await server.wait_closed()


def main():
    # AUTH without TLS is the point here (loopback only): silence aiosmtpd's warning about it.
    warnings.filterwarnings("ignore", message=".*AUTH.*TLS", category=UserWarning)
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--listen", required=True, help="HOST:PORT")
    parser.add_argument("--dir", required=True, help="where messages are stored")
    parser.add_argument("--auth", help="USER:PASSWORD required of clients")
    args = parser.parse_args()
    host, port = args.listen.rsplit(":", 1)
    os.makedirs(args.dir, exist_ok=True)
    asyncio.run(serve(host, int(port), args.dir, args.auth))


if __name__ == "__main__":
    main()
