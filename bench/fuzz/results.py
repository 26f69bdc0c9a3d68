#!/usr/bin/env python3
"""The table of bench/fuzz/RESULTS.md, from a `make fuzz` run's output.

scripts/fuzz.sh leaves, in its build directory (build-fuzz by default), for
each target NAME: NAME.log (libFuzzer's output, ending with the statistics
-print_final_stats prints), corpus/NAME/ (the inputs it added) and
crash-NAME-* (what it found). This reads them and prints one Markdown table
row per target; with --update FILE it replaces the table between the
`<!-- fuzz-table -->` and `<!-- /fuzz-table -->` lines of FILE instead.
--build may be given more than once (a rerun of some targets in a second
directory): each target is read from the last directory that has its log.

    python3 bench/fuzz/results.py --build build-fuzz --update bench/fuzz/RESULTS.md
"""

import argparse
import glob
import os
import re
import sys

BEGIN, END = "<!-- fuzz-table -->", "<!-- /fuzz-table -->"


def stat(log, key):
    m = re.search(r"^stat::%s:\s*(\d+)" % key, log, re.M)
    return int(m.group(1)) if m else None


def parse(build, seeds, name):
    with open(os.path.join(build, name + ".log"), errors="replace") as f:
        log = f.read()
    done = re.search(r"^Done (\d+) runs in (\d+) second", log, re.M)
    # the last status line: "#N DONE cov: C ft: F corp: U/SIZE ..." when the
    # run ended on time, the last "#N ... cov:" line when it did not
    status = re.findall(r"^#\d+\s+\w+\s+cov: (\d+) ft: (\d+) corp: (\d+)/", log, re.M)
    # how far into the run coverage last grew: near 100% means still growing
    new = re.findall(r"^#(\d+)\s+NEW\s", log, re.M)
    added = os.path.join(build, "corpus", name)
    crashes = [p for p in glob.glob(os.path.join(build, "crash-%s-*" % name))
               if os.path.isfile(p)]
    execs, rate = stat(log, "number_of_executed_units"), stat(log, "average_exec_per_sec")
    seconds = int(done.group(2)) if done else None
    if seconds is None and execs and rate:
        # a run that stopped on a crash prints no "Done" line
        seconds = "≈%d" % round(execs / rate)
    return {
        "name": name,
        "seconds": seconds,
        "execs": execs,
        "last_new": int(new[-1]) if new else None,
        "rate": rate,
        "rss": stat(log, "peak_rss_mb"),
        "edges": int(status[-1][0]) if status else None,
        "units": int(status[-1][2]) if status else None,
        "seeds": len(os.listdir(os.path.join(seeds, name))),
        "added": len(os.listdir(added)) if os.path.isdir(added) else 0,
        "crashes": len(crashes),
    }


def last_new(r):
    if r["last_new"] is None or not r["execs"]:
        return None
    return "%d%%" % (100 * r["last_new"] // r["execs"])


def cell(v):
    if v is None:
        return "?"
    return "{:,}".format(v) if isinstance(v, int) else str(v)


def table(rows):
    out = ["| target | seconds | executions | exec/s | peak RSS MB | edges | corpus "
           "(units) | last new unit | seed files | files added | crashes |",
           "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for r in rows:
        r = dict(r, last_new=last_new(r))
        out.append("| %s | " % r["name"] + " | ".join(
            cell(r[k]) for k in ("seconds", "execs", "rate", "rss", "edges", "units",
                                 "last_new", "seeds", "added", "crashes")) + " |")
    total = sum(r["execs"] or 0 for r in rows)
    seconds = sum(int(str(r["seconds"]).lstrip("≈")) for r in rows if r["seconds"] is not None)
    out.append("| **all %d** | %s | %s | | | | | | | | %s |" % (
        len(rows), cell(seconds), cell(total), cell(sum(r["crashes"] for r in rows))))
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", action="append",
                    help="scripts/fuzz.sh's FUZZ_BUILD (default build-fuzz; repeatable)")
    ap.add_argument("--seeds", default="tests/fuzz/corpus", help="the seed corpora")
    ap.add_argument("--update", metavar="FILE", help="replace the table in FILE")
    ap.add_argument("names", nargs="*", help="targets (default: every NAME.log)")
    args = ap.parse_args()
    builds = args.build or ["build-fuzz"]
    where = {}  # target -> the last build directory with its log
    for build in builds:
        for p in glob.glob(os.path.join(build, "*.log")):
            where[os.path.basename(p)[:-4]] = build
    names = args.names or sorted(where)
    missing = [n for n in names if n not in where]
    if not names or missing:
        sys.exit("no log of %s in %s: run scripts/fuzz.sh first"
                 % (" ".join(missing) or "any target", " ".join(builds)))
    text = table([parse(where[n], args.seeds, n) for n in names])
    if not args.update:
        sys.stdout.write(text)
        return
    with open(args.update) as f:
        doc = f.read()
    start, end = doc.index(BEGIN) + len(BEGIN), doc.index(END)
    with open(args.update, "w") as f:
        f.write(doc[:start] + "\n" + text + doc[end:])


if __name__ == "__main__":
    main()
