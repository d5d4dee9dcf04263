import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.*;
import io.netty.channel.epoll.*;
import io.snipool.core.tunnel.Tunnel;
import java.io.*;
import java.lang.management.ManagementFactory;
import java.net.*;
import java.time.Duration;

/** Splice prototype probe: client sends UP bytes then FIN; backend reads to EOF, pauses, sends DOWN bytes then FIN. */
public class Probe {
    static long cpu() { return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime() / 1_000_000; }
    public static void main(String[] a) throws Exception {
        long up = Long.parseLong(a[0]), down = Long.parseLong(a[1]);
        ServerSocket bs = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread bt = new Thread(() -> {
            try (Socket s = bs.accept()) {
                byte[] buf = new byte[65536];
                InputStream in = s.getInputStream(); long got = 0; int r;
                while ((r = in.read(buf)) > 0) got += r;
                System.out.println("backend got " + got + " of " + up + " then EOF");
                long c0 = cpu(); Thread.sleep(2000);
                System.out.println("proxy+probe CPU during 2 s with one direction half-closed: " + (cpu() - c0) + " ms");
                OutputStream o = s.getOutputStream(); long left = down;
                while (left > 0) { int n = (int) Math.min(buf.length, left); o.write(buf, 0, n); left -= n; }
                s.shutdownOutput();
            } catch (Exception e) { e.printStackTrace(); }
        });
        bt.start();
        EventLoopGroup g = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        Tunnel.Observer obs = new Tunnel.Observer() {
            public void transferred(Tunnel.Direction d, int bytes) { }
            public void closed(Tunnel t, Tunnel.CloseReason r) {
                System.out.println("tunnel closed: " + r + " counted to backend " + t.bytesToBackend() + ", to client " + t.bytesToClient());
            }
        };
        Channel server = new ServerBootstrap().group(g).channel(EpollServerSocketChannel.class)
            .childOption(ChannelOption.AUTO_READ, false)
            .childHandler(new ChannelInitializer<Channel>() {
                protected void initChannel(Channel c) {
                    c.pipeline().addLast("placeholder", new ChannelInboundHandlerAdapter());
                    new Bootstrap().group(c.eventLoop()).channel(EpollSocketChannel.class).option(ChannelOption.AUTO_READ, false)
                        .handler(new ChannelInboundHandlerAdapter()).connect(bs.getLocalSocketAddress())
                        .addListener((ChannelFutureListener) f -> { for (Channel ch : new Channel[] {c, f.channel()}) ch.pipeline().addFirst(new ChannelInboundHandlerAdapter() {
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable e) { System.out.println((ch == c ? "client" : "backend") + " side: " + e + " cause " + e.getCause()); ctx.fireExceptionCaught(e); } });
                            Tunnel.start(c, "placeholder", f.channel(), Unpooled.EMPTY_BUFFER, false, Duration.ofSeconds(30), obs); });
                }
            }).bind(InetAddress.getLoopbackAddress(), 0).sync().channel();
        try (Socket s = new Socket()) {
            s.connect(server.localAddress()); s.setSoTimeout(20000);
            OutputStream o = s.getOutputStream(); byte[] buf = new byte[65536]; long left = up;
            while (left > 0) { int n = (int) Math.min(buf.length, left); o.write(buf, 0, n); left -= n; }
            s.shutdownOutput();
            InputStream in = s.getInputStream(); long got = 0; int r;
            try { while ((r = in.read(buf)) > 0) got += r; System.out.println("client got " + got + " of " + down + " then EOF"); }
            catch (SocketTimeoutException e) { System.out.println("client got " + got + " of " + down + ", then nothing for 20 s"); }
        }
        bt.join(); Thread.sleep(200); g.shutdownGracefully(); 
    }
}
