# share of JFR execution samples whose stack holds a header-conversion frame (either codec)
import sys, re, subprocess
pats=["HttpConversionUtil.","H2ObjectCodec.fromHeaders","H2ObjectCodec.toHttp2","H2ObjectCodec.copyFields",
      "H2RequestHead.headers","ForwardingHeaders.removeHttp2Extensions","Http2StreamSession.headOf","H2Stream.deliver",
      "Http2StreamFrameToHttpObjectCodec.newMessage","Http2StreamFrameToHttpObjectCodec.newFullMessage",
      "Http2StreamFrameToHttpObjectCodec.toHttp2Headers","Http2StreamFrameToHttpObjectCodec.encode"]
for f in sys.argv[1:]:
    out=subprocess.run(["jfr","print","--events","jdk.ExecutionSample","--stack-depth","128",f],capture_output=True,text=True).stdout
    stacks=[];cur=None
    for line in out.splitlines():
        s=line.strip()
        if s.startswith("jdk.ExecutionSample"): cur=[];stacks.append(cur)
        elif cur is not None and re.match(r"^[\w$.<>/]+\(.*\)\s+line:",s): cur.append(s.split("(")[0])
    loop=[s for s in stacks if any("EventLoop" in m or "IoUring" in m for m in s)]
    def hit(s):
        # H2Stream.deliver is inclusive of the exchange: count only samples whose deeper-than-deliver frames are conversion
        for m in s:
            if "H2Stream.deliver" in m: return False
            if any(p in m for p in pats if p!="H2Stream.deliver"): return True
        return False
    n=sum(1 for s in loop if hit(s))
    print(f"{f}: {len(loop)} event-loop samples, conversion {n} = {100*n/len(loop):.1f} %")
