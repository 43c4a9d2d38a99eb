#!/usr/bin/env python3
"""Writes docs/mutation.md from Stryker's JSON reports (eng/mutation/<project>.report.json)."""
import json, os, sys

here = os.path.dirname(os.path.abspath(__file__))
DETECTED = {"Killed", "Timeout"}
UNDETECTED = {"Survived", "NoCoverage"}


def score(mutants):
    detected = sum(m["status"] in DETECTED for m in mutants)
    valid = detected + sum(m["status"] in UNDETECTED for m in mutants)
    return detected, valid, (100.0 * detected / valid if valid else 100.0)


def durations():
    path = os.path.join(here, "durations.txt")
    seen = {}
    if os.path.exists(path):
        for line in open(path):
            name, seconds = line.split()
            seen[name] = int(seconds)
    return seen


def main(projects):
    took = durations()
    out = ["# Mutation testing", "",
           "Stryker.NET over each `src/` project with the tests that cover it: `eng/mutation.sh` (not part of `.ci/run`).",
           "What is excluded, and why, is in `eng/mutation/<project>.json` and below. Score = killed (or timed out) /",
           "(killed + survived + not covered); compile errors and ignored mutants do not count.", "",
           "| project | score | killed | mutants that count | run time |", "|---|---|---|---|---|"]
    details = []
    for project in projects:
        report = json.load(open(os.path.join(here, project + ".report.json")))
        files = report["files"]
        everything = [m for f in files.values() for m in f["mutants"]]
        detected, valid, pct = score(everything)
        minutes = f"{took[project] // 60} min" if project in took else "?"
        out.append(f"| {project} | **{pct:.1f}%** | {detected} | {valid} | {minutes} |")
        details += ["", f"## {project}", "", "| file | score | survived | not covered |", "|---|---|---|---|"]
        survivors = []
        for path in sorted(files):
            mutants = files[path]["mutants"]
            d, v, p = score(mutants)
            if v == 0:
                continue
            name = path.split("/src/", 1)[-1]
            survived = [m for m in mutants if m["status"] in UNDETECTED]
            details.append(f"| `{name}` | {p:.0f}% | {sum(m['status'] == 'Survived' for m in mutants)} | {sum(m['status'] == 'NoCoverage' for m in mutants)} |")
            for m in survived:
                line = m["location"]["start"]["line"]
                survivors.append(f"- `{name}:{line}` {m['status']}: {m['mutatorName']} → `{m.get('replacement', '').strip()[:80]}`")
        if survivors:
            details += ["", f"Surviving mutants ({len(survivors)}):", ""] + survivors
    print("\n".join(out + details))


if __name__ == "__main__":
    main(sys.argv[1:])
