#!/usr/bin/env python3
"""bytes allocated per request and GC pauses inside the measured snipool windows of a bench run.
usage: perreq.py GCLOG BENCH_OUT [DURATION]
GC log written with -Xlog:gc,safepoint:file=...:time,uptime (or uptime only: then no windows, whole-log stats)."""
import re,sys,datetime
gclog,out=sys.argv[1],sys.argv[2]; dur=float(sys.argv[3]) if len(sys.argv)>3 else 10.0
gcs=[]; sps=[]
base=None
for l in open(out):
    m=re.search(r'\[bench (\d\d:\d\d:\d\d)\] starting snipool',l)
    if m: base=m.group(1)
import os
daystr=datetime.datetime.fromtimestamp(os.path.getmtime(out)).strftime('%Y-%m-%d')
base_ts=datetime.datetime.strptime(daystr+' '+base,'%Y-%m-%d %H:%M:%S').timestamp()+0.5 if base else 0
for l in open(gclog):
    m=re.match(r'\[(\S+?)\]\[(\d+\.\d+)s\]',l)
    if m:
        t=datetime.datetime.strptime(m.group(1)[:23],'%Y-%m-%dT%H:%M:%S.%f').timestamp()
    else:
        m=re.match(r'\[(\d+\.\d+)s\]',l)
        if not m: continue
        t=base_ts+float(m.group(1))
    g=re.search(r'Pause Young.* (\d+)M->(\d+)M\(\d+M\) ([\d.]+)ms',l)
    if g: gcs.append((t,int(g.group(1)),int(g.group(2)),float(g.group(3)))); continue
    z=re.search(r'(?:Garbage|Minor|Major) Collection \(([^)]*)\) (\d+)M\(\d+%\)->(\d+)M',l)
    if z: gcs.append((t,int(z.group(2)),int(z.group(3)),0.0)); continue
    s=re.search(r'Safepoint "([^"]+)".*Total: (\d+) ns',l)
    if s: sps.append((t,s.group(1),int(s.group(2))/1e6))
runs=[]
day=daystr
for l in open(out):
    m=re.search(r'\[bench (\d\d:\d\d:\d\d)\]\s+snipool run (\d+): ([\d.]+) req/s, p50 ([\d.]+) ms, p99 ([\d.]+)',l)
    if m:
        end=datetime.datetime.strptime(day+' '+m.group(1),'%Y-%m-%d %H:%M:%S').timestamp()
        runs.append((int(m.group(2)),end,float(m.group(3)),m.group(5)))
for n,end,rps,p99 in runs:
    start=end-dur-1.0
    w=[g for g in gcs if start<=g[0]<=end]
    alloc=0; span=0
    for a,b in zip(w,w[1:]):
        alloc+=(b[1]-a[2])*1048576; span+=b[0]-a[0]
    pauses=[g[3] for g in w]
    sp=[s for s in sps if start<=s[0]<=end]
    sptot=sum(s[2] for s in sp)
    byk={}
    for s in sp: byk[s[1]]=byk.get(s[1],0)+s[2]
    bpr=alloc/span/rps if span>0 else float('nan')
    print('run %d: %.0f req/s p99 %s ms | %d GCs, %.2f s apart, %.0f B/request, pauses %s ms | safepoints %d, total %.1f ms (%s)'%(
        n,rps,p99,len(w),(span/(len(w)-1)) if len(w)>1 else float('nan'),bpr,
        ' '.join('%.2f'%p for p in pauses),len(sp),sptot,', '.join('%s %.1f'%(k,v) for k,v in sorted(byk.items(),key=lambda x:-x[1])[:4])))
