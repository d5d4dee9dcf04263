import re,statistics
rows=[l for l in open('/tmp/gc-wt/tables.md') if re.match(r'\| \d\d:\d\d \|',l)][:]
rows=rows[:len(rows)//2] if False else rows
cfg={}
for l in rows:
    c=[x.strip() for x in l.strip().strip('|').split('|')]
    if len(c)!=8: continue
    if c[0]=='11:27': continue  # the 30 s warm-up run: section 4
    key=(c[1],c[2])
    vals=[[float(v) for v in re.sub(r'\(.*\)','',cell).split(',')] for cell in c[4:8]]
    cfg.setdefault(key,[]).append((c[0],vals))
print('| Collector | Jar | Runs | Samples | Rate | CPU per request | p99 | p99.9 | p99 / p99.9, later samples only |')
print('| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |')
for (coll,jar),runs in cfg.items():
    if '10:19' in [r[0] for r in runs] and len(runs)>1:
        runs=[r for r in runs if r[0]!='10:19']  # HAProxy's own tail was broken in that run
    allv=[[],[],[],[]]; later=[[],[]]
    for t,v in runs:
        for i in range(4): allv[i]+=v[i]
        later[0]+=v[2][1:]; later[1]+=v[3][1:]
    med=lambda x:'%.2f'%statistics.median(x)
    print('| %s | %s | %s | %d | %s | %s | %s | %s | %s / %s |'%(coll,jar,', '.join(r[0] for r in runs),len(allv[0]),med(allv[0]),med(allv[1]),med(allv[2]),med(allv[3]),med(later[0]),med(later[1])))
