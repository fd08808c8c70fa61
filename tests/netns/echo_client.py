# The kernel's side of an RFC 862 echo exchange with the stack: send KB kilobytes of seeded
# random bytes to 10.0.0.2:7 while reading the echo, then half-close; print the sha256 and
# length of what was sent and of what came back, and the seconds taken.
# usage: echo_client.py KB [SECS]   (SECS > 0 paces the sending over about that long)
import hashlib
import random
import socket
import sys
import threading
import time

n = int(sys.argv[1]) << 10
secs = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
data = random.Random(862).randbytes(n)
s = socket.create_connection(("10.0.0.2", 7), timeout=120)
t0 = time.time()


def send():
    chunk = 32768
    for i in range(0, n, chunk):
        s.sendall(data[i:i + chunk])
        if secs > 0:
            time.sleep(max(0.0, t0 + secs * (i + chunk) / n - time.time()))
    s.shutdown(socket.SHUT_WR)


th = threading.Thread(target=send)
th.start()
h, got = hashlib.sha256(), 0
while True:
    b = s.recv(1 << 16)
    if not b:
        break
    h.update(b)
    got += len(b)
th.join()
print("sent", hashlib.sha256(data).hexdigest(), n)
print("echo", h.hexdigest(), got)
print("seconds %.1f" % (time.time() - t0))
