#!/usr/bin/env python3
"""Sums a benchmarks/profile.sh recording by kind of work (spin, kernel, channel lock, runtime, ...).

Usage: benchmarks/profile-summary.py <scenario>...   (reads benchmarks/profiles/<scenario>.perf.data)
"""
import collections, os, re, subprocess, sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
for sc in sys.argv[1:]:
    out=subprocess.run(["perf","report","-i",os.path.join(ROOT, "benchmarks", "profiles", f"{sc}.perf.data"),"--stdio","--no-children","--sort","dso,symbol","-g","none"],capture_output=True,text=True).stdout
    b=collections.Counter()
    for l in out.splitlines():
        m=re.match(r"\s+([\d.]+)%\s+(\[JIT\] tid \d+|\S+)\s+\[(.)\]\s+(.*)",l)
        if not m: continue
        pct,dso,kind,sym=float(m[1]),m[2],m[3],m[4]
        if kind=='k': k="kernel (block, wake, yield)"
        elif 'System.Threading.Lock::' in sym: k="channel lock (Lock enter/exit)"
        elif dso.startswith('libcoreclr') and '46e442' in sym: k="spin (one unnamed libcoreclr address: the native Thread.SpinWait loop, by where it shows up)"
        elif dso.startswith('libcoreclr') or dso.startswith('libclrjit') or dso.startswith('libc'): k="runtime native (GC, alloc, stubs)"
        elif 'ManualResetEventSlim' in sym or 'SpinWait' in sym or 'Thread::' in sym: k="event/spin managed"
        elif '[Ump]' in sym: k="Ump (not inlined)"
        elif 'ThreadPool' in sym or 'Task' in sym or 'AsyncStateMachineBox' in sym or 'Channel' in sym: k="thread pool, tasks, channels"
        else: k="benchmark loop + inlined calls, other managed"
        b[k]+=pct
    print(f"## {sc}")
    for k,v in b.most_common(): print(f"  {v:5.1f}%  {k}")
