#!/usr/bin/env python3
"""Summarises async-profiler collapsed stacks of Portcullis's event-loop threads: where the
samples' leaf frames are (kernel, Netty's channel machinery, HTTP codec, TLS, Portcullis's own
code, ...), the hottest leaf frames, and time under chosen frames.

  profile_summary.py FILE.collapsed [--top N] [--under SUBSTRING ...]
"""
import argparse
import collections

GROUPS = [
    ("kernel", lambda f: f.endswith("_[k]")),
    ("Portcullis", lambda f: f.startswith("dev/portcullis")),
    ("Netty HTTP codec", lambda f: f.startswith("io/netty/handler/codec")),
    ("Netty TLS (Java side)", lambda f: f.startswith("io/netty/handler/ssl")),
    ("Netty channel/pipeline", lambda f: f.startswith("io/netty/channel")),
    ("Netty buffers", lambda f: f.startswith("io/netty/buffer")),
    ("Netty util", lambda f: f.startswith("io/netty/")),
    ("BoringSSL (tcnative)", lambda f: "tcnative" in f),
    ("Micrometer", lambda f: "micrometer" in f),
    ("Log4j", lambda f: "logging/log4j" in f),
    ("JDK", lambda f: f.startswith(("java/", "jdk/", "sun/"))),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--thread", default="portcullis-io", help="thread name prefix to keep")
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--under", nargs="*", default=[])
    a = ap.parse_args()
    threads, groups, leaves, under = (collections.Counter() for _ in range(4))
    total = 0
    with open(a.file) as f:
        for line in f:
            stack, n = line.rsplit(" ", 1)
            n = int(n)
            frames = stack.split(";")
            threads[frames[0].split(" tid=")[0].strip("[")] += n
            if a.thread not in frames[0]:
                continue
            total += n
            leaf = frames[-1]
            leaves[leaf] += n
            groups[next((name for name, match in GROUPS if match(leaf)), "other (JVM, stubs)")] += n
            for s in a.under:
                if any(s in fr for fr in frames[1:]):
                    under[s] += n
    if not total:
        raise SystemExit(f"no samples of threads named {a.thread}*")
    pct = lambda n: f"{100 * n / total:5.1f}%"  # noqa: E731
    print(f"{total} samples in {a.thread}* threads; all threads: "
          + ", ".join(f"{t} {n}" for t, n in threads.most_common(6)))
    print("\nleaf frame by group:")
    for name, n in groups.most_common():
        print(f"  {pct(n)}  {name}")
    print(f"\nhottest leaf frames:")
    for leaf, n in leaves.most_common(a.top):
        print(f"  {pct(n)}  {leaf[:120]}")
    if under:
        print("\nsamples with the frame on the stack:")
        for s in a.under:
            print(f"  {pct(under[s])}  {s}")


if __name__ == "__main__":
    main()
