#!/usr/bin/env bash
# Mutation testing of src/ with Stryker.NET (pinned in dotnet-tools.json); not part of .ci/run: it takes hours here.
#   eng/mutation.sh                  every project, one at a time
#   eng/mutation.sh Ump.Hosting      one project (Ump, Ump.Hosting, Ump.Testing or Ump.Orleans)
#   UMP_MUTATE='**/Deque.cs **/ObjectPool.cs' eng/mutation.sh Ump
#                                    only those files of one project (minutes instead of an hour); docs/mutation.md then
#                                    takes each file from the latest run that mutated it
# Each project runs with the test project that covers it (eng/mutation/<project>.json holds what is excluded and why),
# with per-test coverage; the soak test is filtered out (it kills no mutant the contract tests leave alive, and a run
# of it per mutant would take days). The summary (score per project and per file, surviving mutants) is written to
# docs/mutation.md; Stryker's own HTML/JSON reports stay under tests/<project>.Tests/StrykerOutput/ (ignored by git).
set -euo pipefail
cd "$(dirname "$0")/.."

# One mutant at a time: Stryker.NET 5 under-reports kills on the Microsoft.Testing.Platform runner when it runs several
# test processes at once (stryker-net issue 3832).
concurrency="${UMP_MUTATION_CONCURRENCY:-1}"
# The test projects build on Microsoft.Testing.Platform for this run (tests/Directory.Build.props).
export UmpMutationRun=true
projects=("$@")
[ ${#projects[@]} -gt 0 ] || projects=(Ump Ump.Hosting Ump.Testing Ump.Orleans)

dotnet tool restore >/dev/null
mutate=()
scope=all
if [ -n "${UMP_MUTATE:-}" ]; then
    [ ${#projects[@]} -eq 1 ] || { echo "UMP_MUTATE needs exactly one project" >&2; exit 2; }
    read -ra globs <<< "$UMP_MUTATE"
    for glob in "${globs[@]}"; do mutate+=(--mutate "$glob"); done
    scope="$UMP_MUTATE"
fi
# The commit the run measures; a run over uncommitted changes says so.
commit=$(git rev-parse --short HEAD)
git diff --quiet HEAD -- src tests || commit="$commit+changes"

for project in "${projects[@]}"; do
    config="$PWD/eng/mutation/$project.json"
    [ -f "$config" ] || { echo "no $config" >&2; exit 2; }
    started=$(date +%s)
    (cd "tests/$project.Tests" && dotnet dotnet-stryker --config-file "$config" --concurrency "$concurrency" "${mutate[@]}")
    report=$(ls -t "tests/$project.Tests"/StrykerOutput/*/reports/mutation-report.json | head -1)
    name="$project.report.json"
    [ "$scope" = all ] || name="$project.$(date -u +%Y%m%d%H%M%S).report.json"
    cp "$report" "eng/mutation/$name"
    # One line per run: report, commit, seconds, scope. The summary reads them in order.
    printf '%s\t%s\t%s\t%s\n' "$name" "$commit" "$(( $(date +%s) - started ))" "$scope" >> eng/mutation/runs.tsv
done

python3 eng/mutation/summarize.py > docs/mutation.md
echo "wrote docs/mutation.md"
