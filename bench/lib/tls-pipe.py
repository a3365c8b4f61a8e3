#!/usr/bin/env python3
"""The floor of any copy over TLS on this machine: streams FILE through a TLS 1.3 connection over
loopback (OpenSSL, the same AES-GCM Haven's agents negotiate) into a reader that discards it, in
1 MiB writes and reads, one thread per end. No framing, no checksums, no disk writes: a copy
between agents over mutual TLS cannot be faster than this. Prints the seconds it took.

Usage: tls-pipe.py CERT KEY FILE
"""
import os
import resource
import socket
import ssl
import sys
import threading
import time

CHUNK = 1 << 20


def main(cert, key, path):
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cert, key)
    client_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client_ctx.load_verify_locations(cert)
    client_ctx.check_hostname = False
    listener = socket.create_server(("127.0.0.1", 0))
    received = [0]

    def receive():
        conn, _ = listener.accept()
        with server_ctx.wrap_socket(conn, server_side=True) as tls:
            buffer = memoryview(bytearray(CHUNK))
            while True:
                n = tls.recv_into(buffer)
                if n == 0:
                    break
                received[0] += n
            # Answer the sender's close_notify, so that it closes cleanly after the last byte.
            tls.unwrap()

    reader = threading.Thread(target=receive)
    reader.start()
    sent = 0
    buffer = bytearray(CHUNK)
    view = memoryview(buffer)
    with socket.create_connection(listener.getsockname()) as raw:
        with client_ctx.wrap_socket(raw) as tls:
            # Timed from the first byte of data, after the handshake, as the copy is.
            start = time.monotonic()
            usage = resource.getrusage(resource.RUSAGE_SELF)
            with open(path, "rb", buffering=0) as f:
                while True:
                    n = f.readinto(buffer)
                    if not n:
                        break
                    tls.sendall(view[:n])
                    sent += n
            # A close_notify, answered, before the socket closes: a plain close with the
            # server's session tickets unread would reset the connection and drop data in flight.
            tls.unwrap()
    reader.join()
    elapsed = time.monotonic() - start
    end = resource.getrusage(resource.RUSAGE_SELF)
    cpu = end.ru_utime + end.ru_stime - usage.ru_utime - usage.ru_stime
    if received[0] != sent:
        sys.exit(f"the TLS pipe delivered {received[0]} of {sent} bytes")
    # The CPU both ends used (the kernel's loopback work included): spread perfectly over every
    # core, a TLS copy still needs this divided by the core count.
    print(
        f"TLS pipe: {sent >> 20} MiB in {elapsed:.2f} s, {cpu:.2f} CPU-s for both ends;"
        f" on {os.cpu_count()} cores at least {cpu / os.cpu_count():.2f} s however parallel",
        file=sys.stderr,
    )
    print(f"{elapsed:.3f}")


if __name__ == "__main__":
    main(*sys.argv[1:4])
