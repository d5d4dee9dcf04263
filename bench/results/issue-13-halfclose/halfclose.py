#!/usr/bin/env python3
"""Half-close through snipool's TLS passthrough: client sends a ClientHello + UP bytes + FIN; backend reads to EOF,
waits 1 s, sends DOWN bytes + FIN; prints what each side got. The client starts reading after DELAY seconds (5th
argument, default 0): a client that waits lets the proxy's socket buffer to it fill, which is when the proxy must
watch that socket for room. A copy of ../issue-13-splice/halfclose.py with that argument added.
Usage: halfclose.py PROXY_PORT BACKEND_PORT UP DOWN [DELAY]"""
import socket, ssl, sys, threading, time
proxy_port, backend_port, up, down = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); srv.bind(("127.0.0.1", backend_port)); srv.listen(5)
res = {}
def backend():
    c, _ = srv.accept(); got = 0
    while True:
        b = c.recv(1 << 20)
        if not b: break
        got += len(b)
    res["backend_got"] = got
    time.sleep(1)
    chunk = b"y" * (1 << 20); left = down
    try:
        while left > 0:
            n = min(len(chunk), left); c.sendall(chunk[:n]); left -= n
        c.shutdown(socket.SHUT_WR)
    except OSError as e:
        res["backend_error"] = str(e)
    time.sleep(2); c.close()
t = threading.Thread(target=backend); t.start()
ctx = ssl.create_default_context(); inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
obj = ctx.wrap_bio(inc, out, server_hostname="hc.test")
try: obj.do_handshake()
except ssl.SSLWantReadError: pass
hello = out.read()
s = socket.create_connection(("127.0.0.1", proxy_port)); s.settimeout(20)
s.sendall(hello); chunk = b"x" * (1 << 20); left = up
while left > 0:
    n = min(len(chunk), left); s.sendall(chunk[:n]); left -= n
s.shutdown(socket.SHUT_WR)
time.sleep(float(sys.argv[5]) if len(sys.argv) > 5 else 0)
got = 0
try:
    while True:
        b = s.recv(1 << 20)
        if not b: break
        got += len(b)
    res["client_end"] = "EOF"
except (socket.timeout, OSError) as e:
    res["client_end"] = repr(e)
res["client_got"] = got
t.join()
print(f"up {up} + hello {len(hello)}, down {down}: {res}")
