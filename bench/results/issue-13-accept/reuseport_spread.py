# How the kernel spreads 50 connections over two SO_REUSEPORT listeners (as wrk's 50 connections meet snipool's two).
import socket, select, statistics
splits=[]
for trial in range(30):
    a=socket.socket(); a.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1); a.bind(("127.0.0.1",0)); a.listen(128)
    port=a.getsockname()[1]
    b=socket.socket(); b.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1); b.bind(("127.0.0.1",port)); b.listen(128)
    clients=[socket.create_connection(("127.0.0.1",port)) for _ in range(50)]
    na=nb=0
    for s,counter in ((a,'a'),(b,'b')):
        s.setblocking(False)
        while True:
            try: c,_=s.accept(); c.close()
            except BlockingIOError: break
            if counter=='a': na+=1
            else: nb+=1
    splits.append(max(na,nb))
    for c in clients: c.close()
    a.close(); b.close()
print("larger share of 50 over 30 trials:", sorted(splits), "median", statistics.median(splits))
