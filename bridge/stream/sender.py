"""The stream send process: sends each UDP datagram at its planned monotonic time, alone in its
own interpreter.

Why a process: inside the daemon every thread shares one GIL. While an engine or the request
worker runs Python code, a send thread that wakes up must wait for the interpreter, and on a
loaded 2-core machine the thread holding it may itself be waiting for a CPU: bundles then leave
several milliseconds late. This process runs one thread that does nothing but wait, spin for the
last SPIN_S and send, through the daemon's own UDP socket (inherited), so replies still come from
the daemon's port. It asks for SCHED_FIFO (root, CAP_SYS_NICE or an rtprio limit) and falls back
to a lower nice value, then to nothing.

Control socket (AF_UNIX SOCK_SEQPACKET from the daemon, one record per datagram):
HEADER (send_at in time.monotonic() seconds, destination port, length of the ip) + ip + datagram.
The daemon writes "ready?"; this process answers b"ready" once it serves. EOF ends the process.
Only the standard library is imported, so it starts in a few tens of milliseconds. On exit it
prints one line of send statistics to stderr (the daemon's log); CADENZA_SENDER_DEBUG=1 adds a
line per datagram (how early its record arrived, how late it left).
"""

from __future__ import annotations

import heapq
import os
import select
import socket
import struct
import sys
import time

HEADER = struct.Struct("!dHB")
SPIN_S = 0.002  # sleep until this long before a send, then spin
BATCH_S = 0.0002  # datagrams due within this of each other leave in one wake-up
RT_PRIORITY = 10  # SCHED_FIFO priority where allowed (low among real-time tasks)
NICE = -10
DEBUG = bool(os.environ.get("CADENZA_SENDER_DEBUG"))


def encode(send_at: float, ip: str, port: int, packet: bytes) -> bytes:
    raw = ip.encode("ascii")
    return HEADER.pack(send_at, port, len(raw)) + raw + packet


def decode(record: bytes) -> tuple[float, str, int, bytes]:
    send_at, port, n = HEADER.unpack_from(record)
    start = HEADER.size
    return send_at, record[start : start + n].decode("ascii"), port, record[start + n :]


def _prioritise() -> str:
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(RT_PRIORITY))
        return "SCHED_FIFO"
    except (OSError, AttributeError):
        pass
    try:
        os.setpriority(os.PRIO_PROCESS, 0, NICE)
        return f"nice {NICE}"
    except (OSError, AttributeError):
        return "normal"


def serve(ctrl: socket.socket, udp: socket.socket) -> dict:
    """Run until EOF on `ctrl`; return send statistics (lateness in seconds)."""
    heap: list = []
    seq = 0
    late: list[float] = []
    sent = 0
    ctrl.setblocking(False)
    closing = False  # EOF seen: send what is held, then return
    while True:
        if closing and not heap:
            return {"sent": sent, "late": late}
        if closing:
            readable = []
            time.sleep(max(0.0, heap[0][0] - SPIN_S - time.monotonic()))
        elif heap:
            wait = heap[0][0] - SPIN_S - time.monotonic()
            readable = select.select([ctrl], [], [], max(0.0, wait))[0] if wait > 0 else [ctrl]
        else:
            readable = select.select([ctrl], [], [])[0]
        if readable:
            while True:  # drain every waiting record
                try:
                    rec = ctrl.recv(65536)
                except BlockingIOError:
                    break
                if not rec:
                    closing = True
                    break
                if rec == b"ready?":
                    ctrl.send(b"ready")
                    continue
                send_at, ip, port, packet = decode(rec)
                if DEBUG:
                    print(f"rx early_ms {(send_at - time.monotonic()) * 1000:.3f}", file=sys.stderr)
                heapq.heappush(heap, (send_at, seq, (ip, port), packet))
                seq += 1
            if not heap or heap[0][0] - time.monotonic() > SPIN_S:
                continue
        if not heap:
            continue
        target = heap[0][0]
        while time.monotonic() < target:
            pass
        limit = time.monotonic() + BATCH_S
        while heap and heap[0][0] <= limit:
            send_at, _, dest, packet = heapq.heappop(heap)
            try:
                udp.sendto(packet, dest)
            except OSError:
                pass  # the client went away; the daemon's idle rule ends its stream
            late.append(time.monotonic() - send_at)
            if DEBUG:
                print(f"tx late_ms {late[-1] * 1000:.3f}", file=sys.stderr)
            sent += 1
        if len(late) > 100_000:
            del late[:50_000]


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    ctrl_fd, udp_fd = int(argv[0]), int(argv[1])
    ctrl = socket.socket(fileno=ctrl_fd)
    udp = socket.socket(fileno=udp_fd)
    mode = _prioritise()
    stats = serve(ctrl, udp)
    late = sorted(stats["late"])
    if late:
        p99 = late[min(len(late) - 1, int(0.99 * len(late)))]
        print(f"cadenza stream sender ({mode}): {stats['sent']} datagrams, lateness p99 {p99 * 1000:.3f} ms, "
              f"max {late[-1] * 1000:.3f} ms", file=sys.stderr)


if __name__ == "__main__":
    main()
