#!/usr/bin/env python3
# truth.py — are the monitor's figures for a model true? Runs one model headless and, over
# the same 8 s, sums what the kernel charged every process of that model (schedstat run time
# of every thread, stat's utime+stime, status's switch counts), then prints both beside the
# monitor's figures averaged over the samples of that span (its --json).
# Needs python3. Usage: python3 tests/bench/truth.py MODEL TASKS [SCHEDWATCH]
# e.g. python3 tests/bench/truth.py threads 1000 ./schedwatch
import json, os, subprocess, sys, tempfile, time

model, n = sys.argv[1], sys.argv[2]
binary = sys.argv[3] if len(sys.argv) > 3 else './schedwatch'
out = tempfile.mkdtemp()
p = subprocess.Popen([binary, '--headless', '-d', '16s', '--models', model, '-w', 'io',
                      '-n', n, '--json', out + '/run.json'],
                     stdout=open(out + '/run.out', 'w'), stderr=subprocess.STDOUT)
time.sleep(6)


def tree(root):
    kids = {}
    for d in os.listdir('/proc'):
        if d.isdigit():
            try:
                f = open('/proc/%s/stat' % d).read()
                kids.setdefault(int(f[f.rindex(')') + 2:].split()[1]), []).append(int(d))
            except OSError:
                pass
    found, todo = [], [root]
    while todo:
        x = todo.pop()
        found.append(x)
        todo += kids.get(x, [])
    return found


pids = [q for q in tree(p.pid) if open('/proc/%d/comm' % q).read().startswith('sw-' + model)]


def charged():
    ticks = run_ns = csw = 0
    for q in pids:
        try:
            f = open('/proc/%d/stat' % q).read()
            v = f[f.rindex(')') + 2:].split()
            ticks += int(v[11]) + int(v[12])
            for t in os.listdir('/proc/%d/task' % q):
                run_ns += int(open('/proc/%d/task/%s/schedstat' % (q, t)).read().split()[0])
                for line in open('/proc/%d/task/%s/status' % (q, t)):
                    if 'ctxt_switches' in line:
                        csw += int(line.split()[1])
        except OSError:
            pass
    return ticks, run_ns, csw


a, t0 = charged(), time.time()
time.sleep(8)
b, t1 = charged(), time.time()
p.wait()
dt = t1 - t0
tck = os.sysconf('SC_CLK_TCK')
print('%s, io, %s tasks, %d processes, t = 6..14 s' % (model, n, len(pids)))
print('kernel:  %.3f cores by schedstat, %.3f by stat, %.0f switches/s' %
      ((b[1] - a[1]) / 1e9 / dt, (b[0] - a[0]) / tck / dt, (b[2] - a[2]) / dt))
samples = [x for x in json.load(open(out + '/run.json'))['samples']
           if 6 <= x['t_s'] <= 14 and x['trees']]
cores = sum(x['trees'][0]['cpu_pct'] for x in samples) / len(samples) / 100
csw = sum(x['trees'][0]['vcsw_per_s'] + x['trees'][0]['ivcsw_per_s'] for x in samples) / len(samples)
print('monitor: %.3f cores, %.0f switches/s (mean of %d samples), %d processes in its tree' %
      (cores, csw, len(samples), samples[-1]['trees'][0]['nproc']))
print('reproduce: python3 tests/bench/truth.py %s %s %s' % (model, n, binary))
