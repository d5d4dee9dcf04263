import subprocess, time, statistics, os
v={'main':('/tmp/startup3/oldbin/snipool','/tmp/startup3/base/snipool.jar'),'new':('/tmp/startup3/newbin2/snipool','/tmp/startup3/nb/snipool.jar')}
r={k:[] for k in v}
for i in range(30):
    for k,(l,j) in (list(v.items()) if i%2==0 else list(v.items())[::-1]):
        env=dict(os.environ,SNIPOOL_JAR=j,SNIPOOL_PRINT_COMMAND='1')
        t=time.monotonic(); out=subprocess.run([l,'--config','x'],env=env,capture_output=True,text=True).stdout; r[k].append((time.monotonic()-t)*1000)
        assert 'SharedArchiveFile' in out, out
for k,x in r.items(): print(k, f"median {statistics.median(x):.1f} ms, min {min(x):.1f}, max {max(x):.1f} (30 runs)")
