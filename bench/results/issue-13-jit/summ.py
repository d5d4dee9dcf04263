# summ.py COMP.log THREADS.txt LABEL:LO-HI ...: per window of JVM uptime, compilations, deoptimisations and the CPU of
# the C2, C1 and event loop threads (from threads.sh), as the tables of README.md.
import re,sys,collections,datetime
txt=open(sys.argv[1],errors='replace').read()
t0=int(re.search(r"time_ms='(\d+)'",txt).group(1))/1000
q=[];first={}
for m in re.finditer(r"<task_queued compile_id='(\d+)'( compile_kind='osr')? method='([^']*)'[^>]*?(?:level='(\d)' )?stamp='([\d.]+)'",txt):
    lv=m.group(4) or '4'; st=float(m.group(5)); meth=m.group(3)
    re_=lv=='4' and meth in first
    if lv=='4': first.setdefault(meth,st)
    q.append((st,lv,re_))
traps=[float(m.group(1)) for m in re.finditer(r"<uncommon_trap thread='\d+' reason='\w+' action='\w+'[^>]*compile_id='\d+'[^>]*stamp='([\d.]+)'",txt)]
rows=collections.defaultdict(dict)
for l in open(sys.argv[2]):
    p=l.split()
    if p[0]=='pid': continue
    rows[float(p[0])][p[1]]=(p[2],int(p[3])+int(p[4]))
ts=sorted(rows)
def at(t):
    b=ts[0]
    for x in ts:
        if x<=t: b=x
    return rows[b]
def g(c): return 'C2' if c.startswith('C2') else 'C1' if c.startswith('C1') else 'loops' if c.startswith('vert.x-eventloo') else 'other'
print('| window | s | C2 compiles (first / again) | C1 compiles | deopts (uncommon traps) | C2 thread CPU (s) | C1 (s) | event loops CPU (s) | C2 ÷ loops |')
print('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
for a in sys.argv[3:]:
    lab,r=a.split(':'); lo,hi=map(float,r.split('-'))
    w=[x for x in q if lo<=x[0]<hi]
    l4f=sum(1 for x in w if x[1]=='4' and not x[2]); l4r=sum(1 for x in w if x[1]=='4' and x[2]); l13=sum(1 for x in w if x[1]!='4')
    tr=sum(1 for x in traps if lo<=x<hi)
    A,B=at(t0+lo),at(t0+hi); d=collections.Counter()
    for tid,(c,v) in B.items(): d[g(c)]+=v-A.get(tid,(c,0))[1]
    print(f"| {lab} | {hi-lo:.0f} | {l4f} / {l4r} | {l13} | {tr} | {d['C2']/100:.2f} | {d['C1']/100:.2f} | {d['loops']/100:.2f} | {d['C2']/max(d['loops'],1):.2f} |")
