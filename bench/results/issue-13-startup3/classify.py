import sys, re, collections, subprocess, bisect
out=sys.argv[1]
maps=[]
for l in open(out+'.maps'):
    p=l.split(); a,b=(int(x,16) for x in p[0].split('-')); name=p[5] if len(p)>5 else '[anon]'
    maps.append((a,b,name.split('/')[-1],p[1]))
maps.sort(); starts=[m[0] for m in maps]
threads=dict(l.split(' ',1) for l in open(out+'.threads').read().splitlines())
pid=None
cnt=collections.Counter(); bythread=collections.Counter(); byregion_size={}
for l in subprocess.run(['perf','script','-i',out+'.data','-F','tid,event,trace'],capture_output=True,text=True).stdout.splitlines():
    m=re.match(r'\s*(\d+)\s+exceptions:page_fault_(\w+): address=0x([0-9a-f]+) ip=(\S+) error_code=0x([0-9a-f]+)',l)
    if not m: continue
    tid,kind,addr,ip,err=m.groups()
    if tid not in threads: continue
    addr=int(addr,16); i=bisect.bisect_right(starts,addr)-1
    region='?'
    if i>=0 and maps[i][0]<=addr<maps[i][1]:
        a,b,name,perm=maps[i]; region=f"{name} {perm} {(b-a)>>20}M@{a:x}" if name=='[anon]' else f"{name} {perm}"
    w='W' if int(err,16)&2 else 'R'
    cnt[(region,w)]+=1; bythread[re.sub(r'\d+','N',threads[tid])]+=1
tot=sum(cnt.values()); print('total java faults',tot)
for k,v in cnt.most_common(30): print(f"{v:6d} {k}")
print(bythread.most_common(12))
