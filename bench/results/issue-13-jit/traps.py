# traps.py COMP.log LO HI: the deoptimisations (uncommon traps in compiled code) between two JVM uptimes, each with
# the compiled method it threw away and the inlining chain of the trap; from a -XX:+LogCompilation log.
import re,sys
txt=open(sys.argv[1],errors='replace').read()
lo,hi=float(sys.argv[2]),float(sys.argv[3])
ids={}
for m in re.finditer(r"<task_queued compile_id='(\d+)' (?:compile_kind='osr' )?method='([^']*)'",txt): ids[m.group(1)]=m.group(2)
for m in re.finditer(r"<uncommon_trap thread='(\d+)' reason='(\w+)' action='(\w+)'[^>]*compile_id='(\d+)'[^>]*stamp='([\d.]+)'>\s*((?:<jvms[^>]*>\s*)+)",txt):
    st=float(m.group(5))
    if lo<=st<hi:
        frames=re.findall(r"<jvms bci='(\d+)' method='([^ ']*) ([^ ']*)",m.group(6))
        print(m.group(5),m.group(2),m.group(3),'| in',ids.get(m.group(4),'?').split(' (')[0].replace('io.netty.','n.').replace('io.snipool.core.','s.'),'| at',' <- '.join(f"{c.split('.')[-1]}.{n}@{b}" for b,c,n in frames[:3]))
