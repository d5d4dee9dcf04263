#!/usr/bin/env python3
"""N tunnels one after another: ClientHello, backend answers 16 KiB and its FIN, the client reads to EOF and closes
(the backend's FIN comes first, as with the benchmark's TLS backend that closes after every response)."""
import socket, ssl, sys, threading
proxy_port, backend_port, n = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); srv.bind(("127.0.0.1", backend_port)); srv.listen(64)
ctx = ssl.create_default_context(); inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
obj = ctx.wrap_bio(inc, out, server_hostname="hc.test")
try: obj.do_handshake()
except ssl.SSLWantReadError: pass
hello = out.read()
def backend():
    for _ in range(n):
        c, _ = srv.accept(); c.recv(65536); c.sendall(b"y" * 16384); c.shutdown(socket.SHUT_WR)
        while c.recv(65536): pass
        c.close()
t = threading.Thread(target=backend); t.start()
total = 0
for _ in range(n):
    s = socket.create_connection(("127.0.0.1", proxy_port)); s.sendall(hello)
    while True:
        b = s.recv(65536)
        if not b: break
        total += len(b)
    s.close()
t.join(); print("received", total)
