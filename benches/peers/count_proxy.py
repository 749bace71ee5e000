#!/usr/bin/env python3
"""A tiny counting reverse proxy (standard library only), for benches/peers.sh.

    count_proxy.py UPSTREAM_HOST:PORT PORT_FILE COUNT_FILE

Listens on 127.0.0.1 on a free port (written to PORT_FILE once listening) and forwards every
request -- method, path and query, headers (Host included, so the server's Location and
meta.location point back at the proxy) and body -- to the upstream over plain HTTP, then relays
the answer. Counts the requests it received; on SIGTERM/SIGINT or exit it writes
{"total": N, "by_method": {...}} to COUNT_FILE. Loopback only; every upstream call is bounded
(60 s). A request the upstream cannot answer is counted and answered 502.
"""
import atexit
import http.client
import http.server
import json
import os
import signal
import sys
import threading

upstream, port_file, count_file = sys.argv[1:4]
up_host, up_port = upstream.rsplit(":", 1)
HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"}
lock = threading.Lock()
counts = {}


def write_counts():
    with lock:
        data = {"total": sum(counts.values()), "by_method": dict(counts)}
    with open(count_file + ".tmp", "w") as f:
        json.dump(data, f)
    os.replace(count_file + ".tmp", count_file)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive towards the tool, as the server itself offers
    disable_nagle_algorithm = True  # else headers then body in two writes cost a 40 ms delayed ACK

    def log_message(self, *args):  # quiet
        pass

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            body = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                chunk = self.rfile.read(size + 2)[:size]  # data + CRLF
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return body
                body += chunk
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else None

    def forward(self):
        with lock:
            counts[self.command] = counts.get(self.command, 0) + 1
        body = self.read_body()
        # (names compared ignoring case: hyper sends them lower-case, and a second Content-Length
        # is a 400 for Node's parser)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP | {"content-length"}}
        if body is not None:
            headers["Content-Length"] = str(len(body))
        try:
            conn = http.client.HTTPConnection(up_host, int(up_port), timeout=60)
            conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            for k, v in headers.items():
                conn.putheader(k, v)
            conn.endheaders(body)
            resp = conn.getresponse()
            data = resp.read()
            status, reason, rheaders = resp.status, resp.reason, resp.getheaders()
            conn.close()
        except OSError as e:
            status, reason, data = 502, "Bad Gateway", f"count_proxy: upstream error: {e}\n".encode()
            rheaders = [("Content-Type", "text/plain")]
        self.send_response_only(status, reason)
        has_length = False
        for k, v in rheaders:
            if k.lower() in HOP:
                continue
            has_length |= k.lower() == "content-length"
            self.send_header(k, v)
        no_body = self.command == "HEAD" or status in (204, 304) or status < 200
        if not has_length and not no_body:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if not no_body:
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = forward


def on_signal(signum, frame):
    write_counts()
    os._exit(0)


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
signal.signal(signal.SIGTERM, on_signal)
signal.signal(signal.SIGINT, on_signal)
atexit.register(write_counts)
with open(port_file, "w") as f:
    f.write(f"{server.server_address[1]}\n")
server.serve_forever()
