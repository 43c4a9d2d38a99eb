#!/usr/bin/env python3
"""Writes docs/mutation.md from Stryker's JSON reports (eng/mutation/*.report.json), in the order of eng/mutation/runs.tsv.

A full run of a project covers every file; a run over some files (UMP_MUTATE) replaces those files' results. Each file's
figures therefore come from the latest run that mutated it, and the summary names the commit of each run it used."""
import json, os

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


PROJECTS = ["Ump", "Ump.Hosting", "Ump.Testing", "Ump.Orleans"]


def runs():
    """(report, commit, seconds, scope) per run, oldest first."""
    path = os.path.join(here, "runs.tsv")
    if not os.path.exists(path):
        return []
    return [tuple(line.rstrip("\n").split("\t")) for line in open(path) if line.strip()]


def project_of(report):
    return next(p for p in sorted(PROJECTS, key=len, reverse=True) if report.startswith(p + "."))


def mutated(mutants):
    # A file outside a run's UMP_MUTATE still lists its mutants: Ignored (by the mutate filter or by a
    # `// Stryker disable` comment) or CompileError; a file the run mutated has at least one mutant that was tested.
    return any(m["status"] in DETECTED | UNDETECTED for m in mutants)


def merge(project, project_runs):
    """Each file from the latest run that mutated it: {relative path: (mutants, run index)}."""
    files = {}
    for index, (report, _, _, _) in enumerate(project_runs):
        path = os.path.join(here, report)
        if not os.path.exists(path):
            continue
        for name, f in json.load(open(path))["files"].items():
            if "/src/" in name and mutated(f["mutants"]):
                files[name.split("/src/", 1)[-1]] = (f["mutants"], index)
    return files


def main():
    all_runs = runs()
    out = ["# Mutation testing", "",
           "Stryker.NET (pinned in `dotnet-tools.json`) over each `src/` project with the tests that cover it:",
           "`eng/mutation.sh [project…]`, not part of `.ci/run`. Score = killed (or timed out) / (killed + survived + not",
           "covered); compile errors and ignored mutants do not count. This file is written by `eng/mutation/summarize.py`",
           "from the last run's reports (`eng/mutation/<project>.report.json`, not kept in git).", "",
           "Each file's figures come from the latest run that mutated it: a full run of its project, or a run over some of",
           "its files (`UMP_MUTATE='**/Deque.cs' eng/mutation.sh Ump`). The runs used, with their commits, are listed per",
           "project. All runs were on the 2-core machine described in `docs/benchmarks.md`.", "",
           "How it runs:", "",
           "- The test projects are built on Microsoft.Testing.Platform for the run (`UmpMutationRun=true`, see",
           "  `tests/Directory.Build.props`), since Stryker.NET gets per-test coverage of xunit v3 tests only through that",
           "  runner. Each mutant then runs only the tests that reach it.",
           "- One mutant at a time (`--concurrency 1`). Stryker.NET 5 under-reports kills on that runner when it runs",
           "  several test processes at once (stryker-net issue 3832).",
           "- A mutant that makes a wait hang is stopped by Stryker's timeout (the test's time in the initial run plus 10 s,",
           "  `additional-timeout`, so that a slow moment on a loaded machine is not taken for a hang), which counts as",
           "  detected. The tests' own bounds (20 s, `tests/Shared/Bounded.cs`) are longer than that timeout.", "",
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
    for project in PROJECTS:
        project_runs = [r for r in all_runs if project_of(r[0]) == project]
        files = merge(project, project_runs)
        if not files:
            continue
        everything = [m for mutants, _ in files.values() for m in mutants]
        detected, valid, pct = score(everything)
        full = [r for r in project_runs if r[3] == "all"]
        minutes = f"{int(full[-1][2]) // 60} min" if full else "no full run"
        out.append(f"| {project} | **{pct:.1f}%** | {detected} | {valid} | {minutes} |")
        used = sorted({index for _, index in files.values()})
        details += ["", f"## {project}", "", "Runs used:", ""]
        for index in used:
            _, at, seconds, scope = project_runs[index]
            what = "every file" if scope == "all" else "`" + scope + "`"
            details.append(f"- run {index + 1}: {what}, at commit `{at}`, {int(seconds) // 60} min {int(seconds) % 60} s")
        details += ["", "| file | score | survived | not covered | run |", "|---|---|---|---|---|"]
        survivors = []
        for name in sorted(files):
            mutants, index = files[name]
            d, v, p = score(mutants)
            if v == 0:
                continue
            survived = [m for m in mutants if m["status"] in UNDETECTED]
            details.append(f"| `{name}` | {p:.0f}% | {sum(m['status'] == 'Survived' for m in mutants)} | {sum(m['status'] == 'NoCoverage' for m in mutants)} | {index + 1} |")
            for m in survived:
                survivors.append(f"- `{name}:{line_of(m)}` {m['status']}: {m['mutatorName']} → `{replacement(m)}`")
        equivalent = [(name, m) for name in sorted(files) for m in files[name][0]
                      if m["status"] == "Ignored" and is_comment_reason(m.get("statusReason", ""))]
        if survivors:
            details += ["", f"Surviving mutants ({len(survivors)}):", ""] + survivors
        if equivalent:
            details += ["", f"Equivalent mutants, each marked in the source with a `// Stryker disable` comment that says why ({len(equivalent)}):", ""]
            details += [f"- `{name}:{line_of(m)}` {m['mutatorName']}: {m['statusReason'].strip()}" for name, m in equivalent]
    print("\n".join(out + details))


if __name__ == "__main__":
    main()
