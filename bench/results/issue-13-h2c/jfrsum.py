import sys, re, collections, subprocess
f = sys.argv[1]
out = subprocess.run(["jfr","print","--events","jdk.ExecutionSample","--stack-depth","96",f],capture_output=True,text=True).stdout
stacks=[]; cur=None
for line in out.splitlines():
    s=line.strip()
    if s.startswith("jdk.ExecutionSample"): cur=[]; stacks.append(cur)
    elif cur is not None and re.match(r"^[\w$.<>/]+\(.*\)\s+line:", s):
        cur.append(s.split("(")[0])
    elif cur is not None and s.startswith("sampledThread"): 
        cur_thread=s
stacks=[s for s in stacks if s]
n=len(stacks); print("samples",n)
top=collections.Counter(s[0] for s in stacks)
print("--- top self")
for k,v in top.most_common(40): print(f"{100*v/n:5.1f}% {k}")
incl=collections.Counter()
for s in stacks:
    for m in set(s): incl[m]+=1
print("--- inclusive")
pats=sys.argv[2:]
for k,v in incl.most_common(400):
    if not pats or any(p in k for p in pats): print(f"{100*v/n:5.1f}% {k}")
