import os
import sys, os, time, subprocess, importlib.util, http.server, threading, statistics, collections
ROOT=os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
def load(n,p):
    s=importlib.util.spec_from_file_location(n,p); m=importlib.util.module_from_spec(s); s.loader.exec_module(m); return m
ab=load('ab',ROOT+'/bench/startup_ab.py'); st=load('st',ROOT+'/bench/lib/startup.py')
server=http.server.ThreadingHTTPServer(("127.0.0.1",0),ab.Backend); threading.Thread(target=server.serve_forever,daemon=True).start()
work='/tmp/startup3/fw'; os.makedirs(work,exist_ok=True)
rounds=int(os.environ.get('ROUNDS','1'))
variants=[a.split('=',1) for a in sys.argv[1:]]
res=collections.defaultdict(list)
for r in range(rounds):
  for name,settings in (variants if r%2==0 else variants[::-1]):
    ports,text=ab.config(server.server_address[1],False,work); open(work+'/c.yaml','w').write(text)
    env=dict(os.environ,JAVA_OPTS='-Xmx256m'); env.update(kv.split('=',1) for kv in settings.split(';') if kv)
    launcher=env.pop('LAUNCHER',ROOT+'/bin/snipool')
    t=time.monotonic(); c=subprocess.Popen([launcher,'--config',work+'/c.yaml'],env=env,stdout=subprocess.DEVNULL,stderr=open(work+'/err','w'))
    while st.status(f"http://127.0.0.1:{ports['http']}/",ab.HOST)!=200 and time.monotonic()-t<30: time.sleep(0.002)
    ms=(time.monotonic()-t)*1000
    f=open(f'/proc/{c.pid}/stat').read().rsplit(')',1)[1].split()
    rss=[int(l.split()[1]) for l in open(f'/proc/{c.pid}/status') if l.startswith(('RssAnon',))]
    row=dict(ms=ms,minflt=int(f[7]),utime=int(f[11])*10,stime=int(f[12])*10,anon=rss[0]//1024)
    res[name].append(row)
    print(name, row, file=sys.stderr)
    if os.environ.get("PMAP"): os.system(f"pmap -x {c.pid} | sort -k4 -n -r | head -25; jcmd {c.pid} GC.heap_info")
    c.terminate(); c.wait()
for name,rows in res.items():
    print(name, ' '.join(f"{k} {statistics.median(r[k] for r in rows):.0f}" for k in rows[0]))
