#!/usr/bin/env python3
"""Python's smtplib as a benchmark peer: sendmail() in a loop, or connect/EHLO/QUIT probes.

  send:  --host H --port P | --socket PATH  [--lmtp]  --message FILE --count N  [--noops N]
  probe: --host H --port P  --count N  [--concurrency C]  [--starttls --ca FILE]

Prints one JSON line, the same fields as the other clients. The message is read once and handed to
sendmail() as bytes, as a program sending many messages would; an SSLContext is made once and reused,
and the certificate is verified against the address connected to (127.0.0.1, in its subjectAltName).
"""
import argparse
import json
import smtplib
import ssl
import sys
import time
from concurrent.futures import ThreadPoolExecutor

SENDER = "sender@bench.test"
RECIPIENT = "rcpt@bench.test"


def peak_rss_kb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return None


def connect(args):
    if args.socket:
        # smtplib.LMTP treats a host that starts with "/" as a Unix socket path.
        client = smtplib.LMTP(args.socket)
    elif args.lmtp:
        client = smtplib.LMTP(args.host, args.port)
    else:
        client = smtplib.SMTP(args.host, args.port)
    client.ehlo("client.bench.test")
    return client


def send(args):
    with open(args.message, "rb") as f:
        message = f.read()
    started = time.perf_counter()
    client = connect(args)
    noop_seconds = 0.0
    if args.noops:
        t0 = time.perf_counter()
        for _ in range(args.noops):
            code, _text = client.noop()
            if code != 250:
                raise RuntimeError(f"NOOP answered {code}")
        noop_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _ in range(args.count):
        refused = client.sendmail(SENDER, [RECIPIENT], message)
        if refused:
            raise RuntimeError(f"refused: {refused}")
    send_seconds = time.perf_counter() - t0
    client.quit()
    return {
        "messages": args.count,
        "bytes": len(message) * args.count,
        "seconds": time.perf_counter() - started,
        "sendSeconds": send_seconds,
        "noops": args.noops,
        "noopSeconds": noop_seconds,
    }


def probe_once(args, context):
    client = smtplib.SMTP(args.host, args.port)
    client.ehlo("client.bench.test")
    if context is not None:
        code, text = client.starttls(context=context)
        if code != 220:
            raise RuntimeError(f"STARTTLS answered {code} {text!r}")
        client.ehlo("client.bench.test")
    client.quit()


def probe(args):
    context = None
    if args.starttls:
        context = ssl.create_default_context(cafile=args.ca)
    t0 = time.perf_counter()
    if args.concurrency <= 1:
        for _ in range(args.count):
            probe_once(args, context)
    else:
        with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
            for future in [pool.submit(probe_once, args, context) for _ in range(args.count)]:
                future.result()
    seconds = time.perf_counter() - t0
    return {"connections": args.count, "concurrency": args.concurrency, "seconds": seconds}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["send", "probe"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=25)
    parser.add_argument("--socket")
    parser.add_argument("--lmtp", action="store_true")
    parser.add_argument("--message")
    parser.add_argument("--count", type=int, default=1)
    parser.add_argument("--noops", type=int, default=0)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--starttls", action="store_true")
    parser.add_argument("--ca")
    args = parser.parse_args()
    result = send(args) if args.mode == "send" else probe(args)
    print(json.dumps({"client": "smtplib", **result, "peakRssKb": peak_rss_kb()}))


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # noqa: BLE001 - report any failure and exit non-zero
        print(f"smtplib_client: {error!r}", file=sys.stderr)
        sys.exit(1)
