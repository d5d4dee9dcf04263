import os
import sys, os, time, subprocess, importlib.util, http.server, threading, shutil
ROOT=os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
def load(n,p):
    s=importlib.util.spec_from_file_location(n,p); m=importlib.util.module_from_spec(s); s.loader.exec_module(m); return m
ab=load('ab',ROOT+'/bench/startup_ab.py'); st=load('st',ROOT+'/bench/lib/startup.py')
server=http.server.ThreadingHTTPServer(("127.0.0.1",0),ab.Backend); threading.Thread(target=server.serve_forever,daemon=True).start()
work='/tmp/startup3/fw'; os.makedirs(work,exist_ok=True)
ports,text=ab.config(server.server_address[1],False,work); open(work+'/c.yaml','w').write(text)
out=sys.argv[1]
env=dict(os.environ,JAVA_OPTS='-Xmx256m'); env.update(kv.split('=',1) for kv in sys.argv[2].split(';') if kv)
c=subprocess.Popen(['perf','record','-q','-e','exceptions:page_fault_user,exceptions:page_fault_kernel','-o',out+'.data','--', ROOT+'/bin/snipool','--config',work+'/c.yaml'],env=env,stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL)
t=time.monotonic()
while st.status(f"http://127.0.0.1:{ports['http']}/",ab.HOST)!=200: time.sleep(0.002)
print("200 after", (time.monotonic()-t)*1000)
pid=int(subprocess.check_output(['pgrep','-P',str(c.pid)]).split()[0])
shutil.copy(f'/proc/{pid}/maps', out+'.maps')
names={}
for tid in os.listdir(f'/proc/{pid}/task'):
    names[tid]=open(f'/proc/{pid}/task/{tid}/comm').read().strip()
open(out+'.threads','w').write('\n'.join(f'{k} {v}' for k,v in names.items()))
os.kill(pid,15); c.wait()
