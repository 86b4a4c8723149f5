"""Turns one run of starling-bench/compare into docs/bench: results.md, results.csv, rss.csv and PNG charts.

Usage: /usr/bin/python3 starling-bench/report.py --work DIR --out DIR [--no-charts]

DIR holds what compare wrote: results.csv (one row per wrk run), rss.csv (one row per server start),
meta.txt (key=value lines), mismatches.txt and, when JMH ran, jmh.json. Figures are means over rounds, with
the lowest and highest round beside them; ratios compare servers of the same run only.
"""

import argparse
import csv
import json
import os
import shutil
import statistics

NAMES = {
    "starling": "Starling (40 platform threads)",
    "starling-virtual": "Starling (virtual threads)",
    "netty": "raw Netty (40 threads)",
    "vertx": "Vert.x 5 (2 verticles, 40 workers)",
    "helidon": "Helidon SE 4",
    "fastapi": "FastAPI (uvicorn, uvloop, 1 worker)",
}
CASES = {
    "A": "A `/hello/async`",
    "B": "B `/hello/sync`",
    "C": "C `/sleep/sync?ms=10`",
    "D": "D `/sleep/offload?ms=10`",
    "E": "E `/items/42?q=abc`",
    "F": "F `/cpu/sync?n=2000`",
}
PEERS = {"netty": "raw Netty", "vertx": "Vert.x", "helidon": "Helidon SE", "fastapi": "FastAPI"}
COLOURS = {
    "starling": "#1f6fb4",
    "starling-virtual": "#6baed6",
    "netty": "#7f7f7f",
    "vertx": "#d95f02",
    "helidon": "#e7298a",
    "fastapi": "#1b9e77",
}


def read_meta(work):
    meta = {}
    with open(os.path.join(work, "meta.txt")) as f:
        for line in f:
            if "=" in line:
                key, value = line.rstrip("\n").split("=", 1)
                meta[key] = value
    return meta


def read_rows(path):
    if not os.path.exists(path):
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def number(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


class Figures:
    """The rounds of each (server, case), reduced to mean, lowest and highest."""

    def __init__(self, rows):
        self.rows = rows

    def values(self, server, case, column):
        found = [number(r[column]) for r in self.rows if r["server"] == server and r["case"] == case]
        return [v for v in found if v is not None]

    def mean(self, server, case, column):
        values = self.values(server, case, column)
        return statistics.mean(values) if values else None

    def spread(self, server, case, column, digits=0):
        values = self.values(server, case, column)
        if not values:
            return "–"
        text = lambda v: f"{v:,.{digits}f}"
        if len(values) == 1:
            return text(values[0])
        return f"{text(statistics.mean(values))} ({text(min(values))}–{text(max(values))})"

    def total(self, server, column):
        return int(sum(number(r[column]) or 0 for r in self.rows if r["server"] == server))


def ratio(a, b):
    return a / b if a is not None and b not in (None, 0) else None


def hop_ratios(work):
    """Starling's hop over the bare JDK+Netty hop, platform and virtual, from JMH's JSON."""
    path = os.path.join(work, "jmh.json")
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        results = json.load(f)
    scores = {}
    for r in results:
        name = r["benchmark"].rsplit(".", 1)[-1]
        metric = r["primaryMetric"]
        scores[name] = (metric["score"], metric.get("scoreError"), metric["scoreUnit"])
    return scores


def targets(fig, rss, servers, hops):
    """Each of the benchmark issue's targets: (target, measured, verdict)."""
    out = []

    def verdict(ok):
        if ok is None:
            return "not measured"
        return "met" if ok else "**not met**"

    def mean(server, case, column="rps"):
        return fig.mean(server, case, column) if server in servers else None

    for case in ("A", "E"):
        s = mean("starling", case)
        for peer, floor in (("vertx", 1.0), ("netty", 0.9)):
            r = ratio(s, mean(peer, case))
            out.append((f"{case}: Starling ≥ {floor:.1f}× {NAMES[peer]}",
                        "–" if r is None else f"{r:.2f}×", verdict(None if r is None else r >= floor)))
    r = ratio(mean("starling", "B"), mean("netty", "B"))
    out.append(("B: Starling ≥ 0.9× raw Netty", "–" if r is None else f"{r:.2f}×",
                verdict(None if r is None else r >= 0.9)))
    c = mean("starling", "C")
    out.append(("C with 40 tokens within 5% of 4,000 req/s", "–" if c is None else f"{c:,.0f} req/s",
                verdict(None if c is None else c >= 3800)))
    r = ratio(mean("starling-virtual", "C"), c)
    out.append(("C with virtual threads ≥ 4× C with 40 tokens", "–" if r is None else f"{r:.2f}×",
                verdict(None if r is None else r >= 4.0)))
    p99 = mean("starling", "R-A", "p99_ms")
    netty_p99 = mean("netty", "R-A", "p99_ms")
    out.append(("R: p99 of A while C saturates the pool ≤ 2 ms", "–" if p99 is None else f"{p99:.2f} ms",
                verdict(None if p99 is None else p99 <= 2.0)))
    out.append(("R: that p99 no worse than raw Netty's",
                "–" if p99 is None or netty_p99 is None else f"{p99:.2f} vs {netty_p99:.2f} ms",
                verdict(None if p99 is None or netty_p99 is None else p99 <= netty_p99)))
    for kind, bare, ours in (("platform", "bare", "starling"), ("virtual", "bareVirtual", "starlingVirtual")):
        if bare in hops and ours in hops:
            r = hops[ours][0] / hops[bare][0]
            out.append((f"JMH hop ({kind} threads) ≤ 1.25× the bare JDK+Netty hop",
                        f"{hops[ours][0]:.1f} / {hops[bare][0]:.1f} µs = {r:.2f}×", verdict(r <= 1.25)))
        else:
            out.append((f"JMH hop ({kind} threads) ≤ 1.25× the bare JDK+Netty hop", "–", verdict(None)))
    idle = lambda server: statistics.mean([float(r["idle_rss_mib"]) for r in rss if r["server"] == server]) \
        if any(r["server"] == server for r in rss) else None
    s_idle, v_idle = idle("starling"), idle("vertx")
    out.append(("Idle RSS after warm-up ≤ Vert.x's",
                "–" if s_idle is None or v_idle is None else f"{s_idle:.0f} vs {v_idle:.0f} MiB",
                verdict(None if s_idle is None or v_idle is None else s_idle <= v_idle)))
    return out


def charts(fig, rss, servers, out):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = [NAMES[s] for s in servers]
    colours = [COLOURS[s] for s in servers]

    def grid(column, title, unit, filename):
        cases = [c for c in CASES if any(fig.values(s, c, column) for s in servers)]
        if not cases:
            return None
        cols = 3
        rows = (len(cases) + cols - 1) // cols
        figure, axes = plt.subplots(rows, cols, figsize=(13, 3.6 * rows), squeeze=False)
        for i, case in enumerate(cases):
            ax = axes[i // cols][i % cols]
            means = [fig.mean(s, case, column) or 0 for s in servers]
            bars = ax.bar(range(len(servers)), means, color=colours)
            ax.set_title(CASES[case].replace("`", ""), fontsize=10)
            ax.set_xticks([])
            ax.set_ylabel(unit, fontsize=8)
            ax.tick_params(labelsize=8)
            for bar, value in zip(bars, means):
                ax.annotate(f"{value:,.0f}" if value >= 100 else f"{value:.2f}",
                            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                            ha="center", va="bottom", fontsize=7)
        for j in range(len(cases), rows * cols):
            axes[j // cols][j % cols].axis("off")
        figure.legend([plt.Rectangle((0, 0), 1, 1, color=c) for c in colours], labels, loc="lower center",
                      ncol=len(servers), fontsize=8, frameon=False)
        figure.suptitle(title, fontsize=12)
        figure.tight_layout(rect=(0, 0.06, 1, 0.96))
        figure.savefig(os.path.join(out, filename), dpi=100)
        plt.close(figure)
        return filename

    made = [grid("rps", "Requests per second (higher is better)", "req/s", "throughput.png"),
            grid("p99_ms", "p99 latency in ms (lower is better)", "ms", "latency-p99.png")]

    if any(fig.values(s, "R-A", "p99_ms") for s in servers):
        figure, ax = plt.subplots(figsize=(8, 3.6))
        width = 0.38
        xs = range(len(servers))
        p50 = [fig.mean(s, "R-A", "p50_ms") or 0 for s in servers]
        p99 = [fig.mean(s, "R-A", "p99_ms") or 0 for s in servers]
        ax.bar([x - width / 2 for x in xs], p50, width, label="p50", color="#9ecae1")
        ax.bar([x + width / 2 for x in xs], p99, width, label="p99", color="#08519c")
        ax.set_xticks(list(xs))
        ax.set_xticklabels([l.replace(" (", "\n(") for l in labels], fontsize=7)
        ax.set_ylabel("ms", fontsize=8)
        ax.set_yscale("log")
        ax.legend(fontsize=8)
        ax.set_title("R: latency of A while C saturates the blocking pool (log scale, lower is better)",
                     fontsize=10)
        figure.tight_layout()
        figure.savefig(os.path.join(out, "responsiveness.png"), dpi=100)
        plt.close(figure)
        made.append("responsiveness.png")

    if rss:
        figure, ax = plt.subplots(figsize=(8, 3.6))
        width = 0.38
        present = [s for s in servers if any(r["server"] == s for r in rss)]
        xs = range(len(present))
        idle = [statistics.mean(float(r["idle_rss_mib"]) for r in rss if r["server"] == s) for s in present]
        end = [statistics.mean(float(r["end_rss_mib"]) for r in rss if r["server"] == s) for s in present]
        ax.bar([x - width / 2 for x in xs], idle, width, label="idle after warm-up", color="#bcbddc")
        ax.bar([x + width / 2 for x in xs], end, width, label="after the cases", color="#54278f")
        ax.set_xticks(list(xs))
        ax.set_xticklabels([NAMES[s].replace(" (", "\n(") for s in present], fontsize=7)
        ax.set_ylabel("MiB", fontsize=8)
        ax.legend(fontsize=8)
        ax.set_title("Resident memory (VmRSS; lower is better)", fontsize=10)
        figure.tight_layout()
        figure.savefig(os.path.join(out, "rss.png"), dpi=100)
        plt.close(figure)
        made.append("rss.png")
    return [m for m in made if m]


def markdown(work, fig, rss, servers, meta, mismatches, hops, made):
    # The title names the peers of this run, so a run of some servers (or `load`'s of Starling alone) is true.
    peers = [PEERS[s] for s in servers if s in PEERS]
    title = "Starling" if not peers else "Starling beside " + (
        peers[0] if len(peers) == 1 else ", ".join(peers[:-1]) + " and " + peers[-1])
    lines = [f"# {title} ({meta.get('date', '?')})", ""]
    if meta.get("quick"):
        lines += ["**QUICK smoke run: 1-2 s per step; these figures compare nothing.**", ""]
    lines += [
        f"One run of `starling-bench/compare`, every server in turn on the same machine; Starling {meta.get('commit')}.",
        f"{meta.get('java')}; {meta.get('python')}; Vert.x {meta.get('vertx') or '?'}; "
        f"Helidon {meta.get('helidon') or '?'}; "
        f"Netty {meta.get('netty') or '?'}; {meta.get('wrk')}.",
        f"{meta.get('machine')}.",
        f"{meta.get('settings')}. Starling: {meta.get('starling')}.",
        "Each figure is the mean over rounds, with the lowest and highest round in brackets. Every round starts",
        "each server afresh, in the order of the columns. Ratios are valid only inside one run.",
        "",
    ]
    if mismatches:
        lines += ["Servers that answered differently from WORKLOAD.md were not measured:", ""]
        lines += [f"- {m}" for m in mismatches] + [""]

    lines += ["## Targets", "", "| target | measured | |", "|---|---|---|"]
    lines += [f"| {t} | {m} | {v} |" for t, m, v in targets(fig, rss, servers, hops)] + [""]

    def table(title, column, digits, cases, note=None):
        cases = [(case, label) for case, label in cases if any(fig.values(s, case, column) for s in servers)]
        if not cases:
            return
        lines.extend([f"## {title}", ""])
        if note:
            lines.extend([note, ""])
        lines.append("| case | " + " | ".join(NAMES[s] for s in servers) + " |")
        lines.append("|---" * (len(servers) + 1) + "|")
        for case, label in cases:
            lines.append(f"| {label} | " + " | ".join(fig.spread(s, case, column, digits) for s in servers) + " |")
        lines.append("")

    workload = list(CASES.items())
    table("Requests per second", "rps", 0, workload)
    if "throughput.png" in made:
        lines += ["![Requests per second](throughput.png)", ""]
    table("Latency p50 (ms)", "p50_ms", 2, workload)
    table("Latency p99 (ms)", "p99_ms", 2, workload)
    if "latency-p99.png" in made:
        lines += ["![p99 latency](latency-p99.png)", ""]
    table("Server CPU per request (µs)", "cpu_us_per_request", 1, workload,
          "User + system time of the server process during the measured run, over the requests wrk counted.")
    table("R: responsiveness under saturation", "p99_ms", 2,
          [("R-A", "A's p99 (ms), 4 connections"), ("R-C", "C's p99 (ms) in the background, 200 connections")],
          "C saturates the blocking pool with 200 connections for 15 s; 3 s in, A is measured with 4.")
    table("R: the same, p50", "p50_ms", 2, [("R-A", "A's p50 (ms)"), ("R-C", "C's p50 (ms)")])
    table("R: requests per second", "rps", 0, [("R-A", "A"), ("R-C", "C in the background")])
    if "responsiveness.png" in made:
        lines += ["![Responsiveness](responsiveness.png)", ""]

    lines += ["## Memory and errors", "",
              "`idle heap` is the Java heap in use after a full GC (`jcmd GC.run`, then `GC.heap_info`), taken "
              "once the cases are done and the server is idle again, after both RSS readings.", "",
              "| server | idle RSS after warm-up (MiB) | idle heap after a full GC (MiB) | RSS at the end (MiB) | "
              "socket errors | non-2xx | log lines at WARN or ERROR |", "|---|---|---|---|---|---|---|"]
    for s in servers:
        mine = [r for r in rss if r["server"] == s]
        if not mine:
            continue
        idle = ", ".join(r["idle_rss_mib"] for r in mine)
        # rss.csv of runs before the heap column has no idle_heap_mib; FastAPI's is empty.
        heap = ", ".join(r.get("idle_heap_mib") or "–" for r in mine)
        end = ", ".join(r["end_rss_mib"] for r in mine)
        errors = sum(fig.total(s, c) for c in ("connect_errors", "read_errors", "write_errors", "timeouts"))
        warnings = sum(int(r["warn_or_error_lines"] or 0) for r in mine)
        lines.append(f"| {NAMES[s]} | {idle} | {heap} | {end} | {errors} | {fig.total(s, 'non_2xx')} | {warnings} |")
    lines.append("")
    if "rss.png" in made:
        lines += ["![Resident memory](rss.png)", ""]
    for s in servers:
        for r in sorted({r["round"] for r in rss if r["server"] == s}):
            path = os.path.join(work, f"warnings-{s}-{r}.txt")
            if os.path.exists(path) and os.path.getsize(path) > 0:
                lines += [f"First WARN/ERROR lines of {NAMES[s]}, round {r}:", "", "```"]
                lines += [l.rstrip("\n") for l in open(path)] + ["```", ""]

    if hops:
        lines += ["## Offload hop (JMH, pinned to one CPU)", "",
                  "`taskset -c 0 starling-bench/jmh OffloadHop -f 1 -wi 3 -i 5 -w 2s -r 3s`: one no-op task from an",
                  "event loop to a pool and back (see starling-bench/README.md).", "",
                  "| variant | µs/op | ± |", "|---|---|---|"]
        for name, (score, error, unit) in sorted(hops.items()):
            lines.append(f"| `{name}` | {score:.2f} | {error:.2f} |" if error == error and error is not None
                         else f"| `{name}` | {score:.2f} | – |")
        lines.append("")
    lines += ["Raw figures: [results.csv](results.csv) (one row per wrk run) and [rss.csv](rss.csv).", ""]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--no-charts", action="store_true")
    args = parser.parse_args()

    meta = read_meta(args.work)
    rows = read_rows(os.path.join(args.work, "results.csv"))
    rss = read_rows(os.path.join(args.work, "rss.csv"))
    servers = [s for s in meta.get("servers", "").split() if any(r["server"] == s for r in rows)]
    mismatches_path = os.path.join(args.work, "mismatches.txt")
    mismatches = [l.strip() for l in open(mismatches_path)] if os.path.exists(mismatches_path) else []
    hops = hop_ratios(args.work)
    fig = Figures(rows)

    os.makedirs(args.out, exist_ok=True)
    for stale in ("throughput.png", "latency-p99.png", "responsiveness.png", "rss.png"):
        if os.path.exists(os.path.join(args.out, stale)):
            os.remove(os.path.join(args.out, stale))
    made = [] if args.no_charts or not servers else charts(fig, rss, servers, args.out)
    with open(os.path.join(args.out, "results.md"), "w") as f:
        f.write(markdown(args.work, fig, rss, servers, meta, [m for m in mismatches if m], hops, made))
    for name in ("results.csv", "rss.csv"):
        shutil.copyfile(os.path.join(args.work, name), os.path.join(args.out, name))


if __name__ == "__main__":
    main()
