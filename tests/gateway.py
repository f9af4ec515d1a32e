"""A stand-in SMS/WhatsApp gateway for the reminder tests: a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Gateway:
    """A gateway on 127.0.0.1 that records what it receives and answers ``status``."""

    def __init__(self):
        self.status = 200
        self.received: list[dict] = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                gateway.received.append(
                    {
                        "method": "POST",
                        "path": self.path,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": json.loads(self.rfile.read(length)),
                    }
                )
                if gateway.status == "garbled":  # not HTTP at all, as a broken proxy might
                    self.wfile.write(b"HELLO\r\n\r\n")
                    self.close_connection = True
                    return
                answer = json.dumps({"status": gateway.status}).encode()
                self.send_response(gateway.status)
                if 300 <= gateway.status < 400:  # moved, say from http:// to https://
                    self.send_header("Location", "/v2/messages")
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def do_GET(self):
                gateway.received.append(
                    {
                        "method": "GET",
                        "path": self.path,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": None,
                    }
                )
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/v1/messages"
        # shutdown() waits for serve_forever to look at its flag again, which it does every
        # poll_interval (0.5 s by default): half a second lost at the end of every test.
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def __enter__(self) -> Gateway:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def ids(self) -> list[int]:
        return [r["body"]["id"] for r in self.received if r["method"] == "POST"]

    def wait_for(self, count: int) -> list[int]:
        """The ids posted, once ``count`` have arrived (a worker that died did not wait)."""
        deadline = time.monotonic() + 5
        while len(self.ids()) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.ids()
