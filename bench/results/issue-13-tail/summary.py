import glob,re,subprocess,os,sys
rows=[]
for out in sorted(glob.glob('/tmp/gc-wt/ab/*.out'), key=os.path.getmtime):
    tag=os.path.basename(out)[:-4]
    md=glob.glob('/tmp/gc-wt/ab/%s/*.md'%tag)
    if not md: continue
    txt=open(md[0]).read()
    flags=re.search(r'JVM flags \(bin/snipool and BENCH_JAVA_OPTS\) `([^`]*)`',txt).group(1)
    flags=re.sub(r'-XX:SharedArchiveFile=\S+|-XX:AOTCache=\S+|-Xlog:\S+|-XX:\+ExitOnOutOfMemoryError','',flags).split()
    sec=txt.split('## Every sample')[1]
    def row(metric):
        m=re.search(r'\| 1\. HTTP keep-alive \| %s \| ([^|]*) \| ([^|]*) \|'%re.escape(metric),sec)
        return [x.strip() for x in m.group(1).split(', ')] if m else None, [x.strip() for x in m.group(2).split(', ')] if m else None
    jar=re.search(r'jar sha256 (\w+)',txt).group(1)
    load=re.search(r'load average \(1, 5, 15 min\) \| at start ([\d. ]+); at end ([\d. ]+)',txt)
    print('### %s  jar %s  flags %s  load %s -> %s'%(tag,jar,' '.join(flags),load.group(1),load.group(2)))
    for metric in ['requests/s','latency p99 (ms)','latency p99.9 (ms)','proxy CPU per request (µs)']:
        s,h=row(metric)
        print('  %-28s snipool %-28s haproxy %s'%(metric,', '.join(s),', '.join(h) if h and h[0]!='–' else '-'))
    gclog='/tmp/gc-wt/ab/%s-gc.log'%tag
    print(subprocess.run(['python3','/tmp/gc-wt/perreq.py',gclog,out],capture_output=True,text=True).stdout.rstrip())
