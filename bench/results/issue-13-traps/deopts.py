import os,re,sys,glob
w=sys.argv[1]
log=w+'/snipool/process.log'
lines=open(log).read().splitlines()
ev=[]
for l in lines:
    m=re.match(r'\s*(\d+)\s+(\d+)\s+([%sbn! ]*)\s(\d)\s+(\S+)',l)
    if m: ev.append((int(m.group(1)),int(m.group(4)),m.group(5),'made not entrant' in l))
last=max(e[0] for e in ev)
start=os.path.getmtime(log)-last/1000.0   # JVM start, approx (last event ~ log's last write)
wins=[]
for f in sorted(glob.glob(w+'/out/warmup-http-snipool.txt'))+sorted(glob.glob(w+'/out/http-snipool-*.txt')):
    end=os.path.getmtime(f)-start; wins.append((os.path.basename(f),end-10,end))
for name,a,b in wins:
    c2=sum(1 for t,tier,n,ne in ev if tier==4 and not ne and a*1000<=t<b*1000)
    de=sum(1 for t,tier,n,ne in ev if tier==4 and ne and a*1000<=t<b*1000)
    print(f"{name:28s} {a:6.1f}-{b:6.1f}s  C2 compilations {c2:4d}  C2 code thrown away {de:4d}")
