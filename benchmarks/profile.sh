#!/usr/bin/env bash
# Samples one benchmark workload with perf and prints where its CPU time goes, by function.
# Usage: benchmarks/profile.sh <scenario> [seconds]   (scenarios: see Ump.Benchmarks/Probes/ProfileProbe.cs; run with no argument to list)
# Needs perf (Debian's linux-perf). The runtime writes /tmp/perf-<pid>.map so perf can name JIT-compiled methods
# (W^X off: with it on, JIT code runs from an anonymous double mapping that the map does not describe).
set -euo pipefail
cd "$(dirname "$0")/.."
scenario="${1:-}"
seconds="${2:-10}"
out="${PROFILE_OUT:-benchmarks/profiles}"
dotnet build -c Release benchmarks/Ump.Benchmarks -v q -nologo >/dev/null
dll=benchmarks/Ump.Benchmarks/bin/Release/net10.0/Ump.Benchmarks.dll
if [[ -z "$scenario" ]]; then
  dotnet "$dll" --profile || true
  exit 2
fi

mkdir -p "$out"
data="$out/$scenario.perf.data"
DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 \
  perf record -q -e cpu-clock -F 2999 -g -o "$data" -- dotnet "$dll" --profile "$scenario" "$seconds"
# Self time per function, all threads; the top of the list is where the time goes.
perf report -i "$data" --stdio --no-children --sort symbol -g none --percent-limit 0.7 2>/dev/null \
  | grep -v '^#' | grep -v '^$' | sed -e 's/\[[^]]*\] //' | tee "$out/$scenario.txt"
