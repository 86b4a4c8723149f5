"""Summaries for starling-bench/profile: per-thread CPU and context switches from /proc, and a JFR recording's
allocation per request and busiest frames. Debian's python3, standard library only."""
import collections, json, os, re, subprocess, sys

JFR = os.path.join(os.path.dirname(os.path.realpath(os.environ.get("JAVA", "java"))), "jfr")


def snap(pid, path):
    threads = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            name = open(f"/proc/{pid}/task/{tid}/comm").read().strip()
            stat = open(f"/proc/{pid}/task/{tid}/stat").read()
            fields = stat[stat.rindex(")") + 2:].split()
            status = open(f"/proc/{pid}/task/{tid}/status").read()
            switches = [int(re.search(rf"^{k}:\s+(\d+)", status, re.M).group(1))
                        for k in ("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")]
            threads[tid] = [name, int(fields[11]), int(fields[12])] + switches
        except (OSError, AttributeError, ValueError):
            pass   # a thread that ended meanwhile
    json.dump(threads, open(path, "w"))


def threads(before, after, requests):
    a, b, n = json.load(open(before)), json.load(open(after)), float(requests)
    groups = collections.defaultdict(lambda: [0, 0, 0, 0, 0])
    for tid, (name, user, system, vol, invol) in b.items():
        _, u0, s0, v0, i0 = a.get(tid, [name, 0, 0, 0, 0])
        g = groups[re.sub(r"\d+", "N", name)]
        for i, d in enumerate((user - u0, system - s0, vol - v0, invol - i0, 1)):
            g[i] += d
    hz = os.sysconf("SC_CLK_TCK")
    print(f"\n{'threads':24} {'n':>4} {'user µs/req':>12} {'sys µs/req':>11} {'switches/req':>13} {'preempted/req':>14}")
    for name, g in sorted(groups.items(), key=lambda kv: -(kv[1][0] + kv[1][1])):
        if g[0] + g[1] + g[2] + g[3] == 0:
            continue
        print(f"{name:24} {g[4]:4} {g[0] / hz * 1e6 / n:12.2f} {g[1] / hz * 1e6 / n:11.2f} {g[2] / n:13.3f} {g[3] / n:14.3f}")
    user, system = (sum(g[i] for g in groups.values()) for i in (0, 1))
    print(f"{'all':24} {'':4} {user / hz * 1e6 / n:12.2f} {system / hz * 1e6 / n:11.2f}"
          f"   = {(user + system) / hz * 1e6 / n:.2f} µs of CPU per request")


def events(path, name, depth=64):
    out = subprocess.run([JFR, "print", "--json", "--stack-depth", str(depth), "--events", name, path],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)["recording"]["events"]


def frame(f):
    return f["method"]["type"]["name"].replace("/", ".") + "." + f["method"]["name"]


def jfr(path, requests, pattern):
    n = float(requests)
    per_thread = collections.defaultdict(list)
    for e in events(path, "jdk.ThreadAllocationStatistics", 1):
        v = e["values"]
        per_thread[v["thread"]["javaName"] if v.get("thread") else "?"].append(v["allocated"])
    allocated = sum(max(x) - min(x) for x in per_thread.values())
    print(f"\nallocated: {allocated / n:.0f} bytes per request ({allocated / 1e6:.0f} MB for {requests} requests)")
    samples = [(e["values"]["sampledThread"]["javaName"] or "?",
                [frame(f) for f in (e["values"]["stackTrace"] or {"frames": []})["frames"]])
               for e in events(path, "jdk.ExecutionSample")]
    by_group = collections.Counter(re.sub(r"\d+", "N", t) for t, _ in samples)
    print(f"Java execution samples: {len(samples)} ({', '.join(f'{g} {c}' for g, c in by_group.most_common(5))})")
    top = collections.Counter(frames[0] for _, frames in samples if frames)
    print("\nself time, share of samples:")
    for m, c in top.most_common(15):
        print(f"  {100 * c / len(samples):5.1f}%  {m}")
    inclusive = collections.Counter()
    for _, frames in samples:
        for m in set(frames):
            if re.search(pattern, m):
                inclusive[m] += 1
    print(f"\ninclusive, frames matching {pattern!r}, share of samples:")
    for m, c in inclusive.most_common(25):
        print(f"  {100 * c / len(samples):5.1f}%  {m}")


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    {"snap": snap, "threads": threads, "jfr": jfr}[command](*args)
