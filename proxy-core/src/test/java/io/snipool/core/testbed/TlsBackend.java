package io.snipool.core.testbed;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/**
 * A real TLS server that, once the handshake is done, writes its own name and a newline: the name a client reads
 * proves which backend the proxy routed it to, and the completed handshake proves the hello arrived untouched.
 */
public final class TlsBackend {

    private final String name;
    private final NetServer server;
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger open = new AtomicInteger();

    private TlsBackend(String name, NetServer server) {
        this.name = name;
        this.server = server;
    }

    /** Starts on an ephemeral loopback port with {@code leaf} as its certificate. */
    public static Future<TlsBackend> start(Vertx vertx, String name, TestPki.Leaf leaf) {
        return start(vertx, name, leaf, UnaryOperator.identity());
    }

    /** As {@link #start(Vertx, String, TestPki.Leaf)}, with {@code tuning} applied to the server's options. */
    public static Future<TlsBackend> start(Vertx vertx, String name, TestPki.Leaf leaf,
                                           UnaryOperator<NetServerOptions> tuning) {
        NetServerOptions options = tuning.apply(new NetServerOptions().setHost("127.0.0.1").setPort(0).setSsl(true)
                .setKeyCertOptions(leaf.keyCertOptions()));
        NetServer server = vertx.createNetServer(options);
        TlsBackend backend = new TlsBackend(name, server);
        server.connectHandler(socket -> {
            backend.accepted.incrementAndGet();
            backend.open.incrementAndGet();
            socket.closeHandler(ignored -> backend.open.decrementAndGet());
            socket.write(name + "\n");
        });
        return server.listen().map(ignored -> backend);
    }

    public String name() {
        return name;
    }

    public int port() {
        return server.actualPort();
    }

    /** Connections whose TLS handshake completed and that are not closed yet. */
    public int open() {
        return open.get();
    }

    /** Connections whose TLS handshake completed. */
    public int accepted() {
        return accepted.get();
    }

    public Future<Void> close() {
        return server.close();
    }
}
