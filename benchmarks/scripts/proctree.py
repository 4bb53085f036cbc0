"""Process-tree accounting from /proc (Linux), Python 3 standard library only.

CPU: utime + stime (fields 14 and 15 of /proc/PID/stat, clock ticks) summed over a process and
all its descendants. Memory: VmRSS from /proc/PID/status and Pss from /proc/PID/smaps_rollup,
each summed over the tree. Summing RSS counts pages shared between the processes of a tree (an
nginx master and its forked workers) once per process; Pss splits every shared page between the
processes that map it, so a Pss sum counts each page once. Both are reported.

Command line, for ad-hoc use:  python3 proctree.py PID   (prints one JSON snapshot)
"""

import json
import os
import re
import sys
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid):
    with open(f"/proc/{pid}/stat", "rb") as f:
        data = f.read().decode("ascii", "replace")
    # comm (field 2) may contain spaces and parentheses: split after the last ')'.
    rest = data[data.rindex(")") + 2:].split()
    return rest  # rest[0] is field 3 (state)


def ppid_of(pid):
    return int(_stat_fields(pid)[1])


def tree(root):
    """root and all its descendants that are alive now."""
    children = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            parent = ppid_of(int(name))
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(parent, []).append(int(name))
    result, todo = [], [root]
    while todo:
        pid = todo.pop()
        if pid != root and not os.path.exists(f"/proc/{pid}"):
            continue
        result.append(pid)
        todo.extend(children.get(pid, []))
    return sorted(result)


def cpu_ticks(pids):
    """utime + stime in clock ticks summed over pids (processes that vanished count 0)."""
    total = 0
    for pid in pids:
        try:
            fields = _stat_fields(pid)
        except (OSError, ValueError):
            continue
        total += int(fields[11]) + int(fields[12])  # fields 14 and 15
    return total


_TRAILING_NUMBER = re.compile(r"([-#_ .]?\d+)+$")


def cpu_groups(pids):
    """CPU ticks by where they were spent: for a single process (a JVM) by thread name with
    trailing numbers dropped ("portcullis-io", "C2 CompilerThre", "GC Thread"); for a process tree
    (nginx) by process, "master" (the first pid), "worker1", "worker2", ..."""
    groups = {}
    if len(pids) == 1:
        pid = pids[0]
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except OSError:
            return groups
        for tid in tids:
            try:
                with open(f"/proc/{pid}/task/{tid}/stat", "rb") as f:
                    data = f.read().decode("utf-8", "replace")
            except OSError:
                continue
            name = _TRAILING_NUMBER.sub("", data[data.index("(") + 1:data.rindex(")")]) or "?"
            rest = data[data.rindex(")") + 2:].split()
            groups[name] = groups.get(name, 0) + int(rest[11]) + int(rest[12])
        return groups
    for i, pid in enumerate(pids):
        role = "master" if i == 0 else f"worker{i}"
        groups[role] = groups.get(role, 0) + cpu_ticks([pid])
    return groups


def system_busy_ticks():
    """All CPUs' busy time (everything but idle and iowait) from /proc/stat, in clock ticks."""
    with open("/proc/stat") as f:
        parts = f.readline().split()[1:]
    values = [int(v) for v in parts[:8]]  # user nice system idle iowait irq softirq steal
    return sum(values) - values[3] - values[4]


def memory_kib(pids):
    rss = pss = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        rss += int(line.split()[1])
                        break
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1])
                        break
        except OSError:
            continue
    return rss, pss


def snapshot(root):
    pids = tree(root)
    rss, pss = memory_kib(pids)
    return {
        "t": time.monotonic(),
        "pids": pids,
        "cpu_ticks": cpu_ticks(pids),
        "rss_kib": rss,
        "pss_kib": pss,
    }


if __name__ == "__main__":
    print(json.dumps(snapshot(int(sys.argv[1]))))
