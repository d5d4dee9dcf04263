import re,statistics
cur=None; data={}; order=[]
for l in open('/tmp/gc-wt/summary.txt'):
    m=re.match(r'### (\S+)\s+jar (\w+)\s+flags (.*?)\s+load (.*)$',l)
    if m:
        cur=m.group(1); order.append(cur); data[cur]={'jar':m.group(2),'flags':m.group(3),'load':m.group(4),'gc':[]}; continue
    m=re.match(r'\s+(requests/s|latency p99 \(ms\)|latency p99\.9 \(ms\)|proxy CPU per request \(µs\))\s+snipool (.*?)\s{2,}haproxy (.*)$',l)
    if m and cur:
        f=lambda s:[float(x.replace(',','')) for x in s.split(', ')] if s.strip()!='-' else None
        data[cur][m.group(1)]=(f(m.group(2)),f(m.group(3)))
    m=re.match(r'run (\d+): .*\| (\d+) GCs.*?(?:, ([\d.]+) s apart)?.*?pauses ([\d. ]*) ms \| safepoints (\d+), total ([\d.]+) ms',l)
    if m and cur: data[cur]['gc'].append((m.group(2),m.group(4).split(),m.group(5),m.group(6)))
jars={'12b122ed9683':'150c753','3d6c333aa325':'632af40','f966841e71c5':'9296a48'}
def name(tag,d):
    jdk='25' if tag.startswith('j25') else '17'
    fl=d['flags'].replace('-Xmx256m','').strip()
    coll='G1' if 'ZGC' not in fl and 'Shenandoah' not in fl else ('ZGC' if 'ZGC' in fl else 'Shenandoah')
    if jdk=='25' and coll=='ZGC': coll='ZGC (generational)'
    extra=fl.replace('-XX:+UseZGC','').replace('-XX:+UseShenandoahGC','').strip()
    return 'JDK %s %s%s'%(jdk,coll,(' `%s`'%extra) if extra else '')
print('| Run (UTC) | Collector | Jar | Load avg. at start | Rate | CPU per request | p99 | p99.9 |')
print('| --- | --- | --- | --- | --- | --- | --- | --- |')
for tag in order:
    d=data[tag]
    if not d['requests/s'][1]: continue
    cells=[]
    for k in ['requests/s','proxy CPU per request (µs)','latency p99 (ms)','latency p99.9 (ms)']:
        s,h=d[k]; r=[a/b for a,b in zip(s,h)]
        cells.append('%s (**%.2f**)'%(', '.join('%.2f'%x for x in r),statistics.median(r)))
    t=tag.split('-')[1]
    print('| %s:%s | %s | %s | %s | %s |'%(t[:2],t[2:4],name(tag,d),jars.get(d['jar'],d['jar']),d['load'].split()[0],' | '.join(cells)))
print()
print('| Run (UTC) | Collector | Jar | snipool p99 / p99.9 (ms) per sample | HAProxy p99 / p99.9 (ms) | Collections per window | Pauses per window (ms, safepoint log) |')
print('| --- | --- | --- | --- | --- | --- | --- |')
for tag in order:
    d=data[tag]; s99,h99=d['latency p99 (ms)']; s999,h999=d['latency p99.9 (ms)']
    t=tag.split('-')[1]
    sn=', '.join('%g / %g'%(a,b) for a,b in zip(s99,s999))
    hp=', '.join('%g / %g'%(a,b) for a,b in zip(h99,h999)) if h99 else '(not run)'
    gcs=', '.join(g[0] for g in d['gc'])
    tot=', '.join('%s in %s'%(g[3],g[2]) for g in d['gc'])
    print('| %s:%s | %s | %s | %s | %s | %s | %s |'%(t[:2],t[2:4],name(tag,d),jars.get(d['jar'],d['jar']),sn,hp,gcs,tot))
