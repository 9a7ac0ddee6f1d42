"""A device that half-closes: sends the request bytes read from stdin to host:port, ends its sending
side with the last byte (shutdown(SHUT_WR), as `nc -N` and socat do), then prints what the server
sends back until it closes the connection.

TCP_CORK holds the bytes in the kernel until the shutdown, so the FIN travels in the same segment as
the last byte: the server reads the request and the FIN at once, every run (with two send calls the
FIN can arrive later, after the server handed the records over: a race the test must not depend on).
Usage: python3 half-close-client.py <host> <port> < request
"""

import socket
import sys

host, port = sys.argv[1], int(sys.argv[2])
request = sys.stdin.buffer.read()
s = socket.create_connection((host, port))
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
s.sendall(request)
s.shutdown(socket.SHUT_WR)
s.settimeout(30)
answer = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    answer += chunk
s.close()
sys.stdout.buffer.write(answer)
