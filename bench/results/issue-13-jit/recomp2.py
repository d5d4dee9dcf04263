# recomp2.py COMP.log LO HI [N]: C2 compilations queued between two JVM uptimes, split into first ones and methods C2
# had compiled before (a deoptimised method compiled again); lists N of the latter.
import re,sys,collections
txt=open(sys.argv[1],errors='replace').read()
lo,hi=float(sys.argv[2]),float(sys.argv[3])
first={}; re_=[]; new=[]
for m in re.finditer(r"<task_queued compile_id='(\d+)'( compile_kind='osr')? method='([^']*)'[^>]*?count='(\d+)'[^>]*?(?:level='(\d)' )?stamp='([\d.]+)'",txt):
    lv=m.group(5) or '4'; st=float(m.group(6)); meth=m.group(3)
    if lv!='4': continue
    if lo<=st<hi:
        (re_ if meth in first else new).append((st,meth,m.group(4)))
    first.setdefault(meth,st)
print(f"L4 in window: {len(re_)} recompilations of methods C2 had compiled before, {len(new)} first C2 compilations")
pk=collections.Counter(x[1].split(' ')[0].rsplit('.',1)[0] if False else x[1].split('.')[0]+'.'+x[1].split('.')[1] for x in re_+new)
sn=[x for x in re_+new if 'snipool' in x[1]]
print("snipool methods:",len(sn))
for x in sorted(re_)[:int(sys.argv[4]) if len(sys.argv)>4 else 0]: print('  re',x[0],x[2],x[1][:150])
