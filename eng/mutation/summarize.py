#!/usr/bin/env python3
"""Writes docs/mutation.md from Stryker's JSON reports (eng/mutation/<project>.report.json)."""
import json, os, subprocess, sys

here = os.path.dirname(os.path.abspath(__file__))
DETECTED = {"Killed", "Timeout"}
UNDETECTED = {"Survived", "NoCoverage"}


def score(mutants):
    detected = sum(m["status"] in DETECTED for m in mutants)
    valid = detected + sum(m["status"] in UNDETECTED for m in mutants)
    return detected, valid, (100.0 * detected / valid if valid else 100.0)


def line_of(mutant):
    return mutant["location"]["start"]["line"]


def replacement(mutant):
    return " ".join(mutant.get("replacement", "").split())[:80]


def is_comment_reason(reason):
    # Stryker's own reasons for ignoring a mutant (filters of the configuration) against a reason written in a comment.
    return bool(reason) and not reason.startswith(("Removed by", "Mutator", "Excluded", "Ignored"))


def commit():
    # The commit the run was made at; eng/mutation.sh runs this at the end of the run, on the same checkout.
    return os.environ.get("UMP_MUTATION_COMMIT") or subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=here).stdout.strip()


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
           "Stryker.NET (pinned in `dotnet-tools.json`) over each `src/` project with the tests that cover it:",
           "`eng/mutation.sh [project…]`, not part of `.ci/run`. Score = killed (or timed out) / (killed + survived + not",
           "covered); compile errors and ignored mutants do not count. This file is written by `eng/mutation/summarize.py`",
           "from the last run's reports (`eng/mutation/<project>.report.json`, not kept in git).", "",
           f"The figures below are from a run at commit `{commit()}`, on the 2-core machine described in `docs/benchmarks.md`.", "",
           "How it runs:", "",
           "- The test projects are built on Microsoft.Testing.Platform for the run (`UmpMutationRun=true`, see",
           "  `tests/Directory.Build.props`), since Stryker.NET gets per-test coverage of xunit v3 tests only through that",
           "  runner. Each mutant then runs only the tests that reach it.",
           "- One mutant at a time (`--concurrency 1`). Stryker.NET 5 under-reports kills on that runner when it runs",
           "  several test processes at once (stryker-net issue 3832).",
           "- A mutant that makes a wait hang is stopped by Stryker's timeout, which counts as detected. The tests' own",
           "  bounds (20 s, `tests/Shared/Bounded.cs`) are longer than Stryker's timeout.", "",
           "What is excluded, and why (`eng/mutation/<project>.json`):", "",
           "- The soak test (`Ump.Tests.Reliability.SoakTests`). It runs for minutes and checks the contract tests'",
           "  invariants under load, so it kills nothing the contract tests leave alive.",
           "- `SchedulePoint.Reached` calls. They are hooks for the schedule explorer and compile to nothing outside",
           "  its build.",
           "- `AssertInvariants`, `Debug.Assert` and `Debug.Fail`. These debug-only checks do not change behaviour when",
           "  they hold, which is when the tests pass.",
           "- In Ump.Hosting, the log records: the message text (`Internal/Log.cs`, source-generated) and the arguments",
           "  of `Log.*` calls. The logging tests check that the records which matter are written and what they say.",
           "- Mutants marked equivalent in the source with a `// Stryker disable once … : reason` comment, listed",
           "  per project below.", "",
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
                survivors.append(f"- `{name}:{line_of(m)}` {m['status']}: {m['mutatorName']} → `{replacement(m)}`")
        equivalent = [(path.split("/src/", 1)[-1], m) for path in sorted(files) for m in files[path]["mutants"]
                      if m["status"] == "Ignored" and is_comment_reason(m.get("statusReason", ""))]
        if survivors:
            details += ["", f"Surviving mutants ({len(survivors)}):", ""] + survivors
        if equivalent:
            details += ["", f"Equivalent mutants, each marked in the source with a `// Stryker disable` comment that says why ({len(equivalent)}):", ""]
            details += [f"- `{name}:{line_of(m)}` {m['mutatorName']}: {m['statusReason'].strip()}" for name, m in equivalent]
    print("\n".join(out + details))


if __name__ == "__main__":
    main(sys.argv[1:])
