package io.snipool.core.testbed;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A plain TCP backend that keeps every byte each connection sends it: the PROXY header and the hello arrive here
 * exactly as the proxy wrote them. The test may also write through a connection's socket.
 */
public final class RecordingBackend {

    /** One accepted connection and all it received so far. */
    public static final class Connection {
        private final NetSocket socket;
        private final Context context;
        private final Object lock = new Object();
        private Buffer received = Buffer.buffer();
        private boolean ended;

        Connection(NetSocket socket, Context context) {
            this.socket = socket;
            this.context = context;
        }

        public NetSocket socket() {
            return socket;
        }

        /** The event loop context the socket belongs to: run socket work there with {@code runOnContext}. */
        public Context context() {
            return context;
        }

        /** Waits until at least {@code count} bytes came and returns all received so far. */
        public byte[] awaitBytes(int count, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            synchronized (lock) {
                while (received.length() < count) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0 || ended) {
                        throw new AssertionError("expected " + count + " bytes, got " + received.length()
                                + (ended ? " before the connection ended" : " in " + timeout));
                    }
                    TimeUnit.NANOSECONDS.timedWait(lock, left);
                }
                return received.getBytes();
            }
        }

        /** Waits for the proxy to close the connection; returns every byte received. */
        public byte[] awaitEnd(Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            synchronized (lock) {
                while (!ended) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new AssertionError("the connection did not end in " + timeout);
                    }
                    TimeUnit.NANOSECONDS.timedWait(lock, left);
                }
                return received.getBytes();
            }
        }

        public boolean ended() {
            synchronized (lock) {
                return ended;
            }
        }

        void append(Buffer data) {
            synchronized (lock) {
                received.appendBuffer(data);
                lock.notifyAll();
            }
        }

        void end() {
            synchronized (lock) {
                ended = true;
                lock.notifyAll();
            }
        }
    }

    private final NetServer server;
    private final BlockingQueue<Connection> accepted = new LinkedBlockingQueue<>();
    private final AtomicInteger acceptedTotal = new AtomicInteger();
    private final AtomicInteger open = new AtomicInteger();

    private RecordingBackend(NetServer server) {
        this.server = server;
    }

    public static Future<RecordingBackend> start(Vertx vertx) {
        NetServer server = vertx.createNetServer(new NetServerOptions().setHost("127.0.0.1").setPort(0));
        RecordingBackend backend = new RecordingBackend(server);
        server.connectHandler(socket -> {
            Connection connection = new Connection(socket, vertx.getOrCreateContext());
            backend.acceptedTotal.incrementAndGet();
            backend.open.incrementAndGet();
            socket.handler(connection::append);
            socket.closeHandler(ignored -> {
                backend.open.decrementAndGet();
                connection.end();
            });
            backend.accepted.add(connection);
        });
        return server.listen().map(ignored -> backend);
    }

    public int port() {
        return server.actualPort();
    }

    /** Connections accepted so far, whether or not {@link #nextConnection} took them. */
    public int acceptedTotal() {
        return acceptedTotal.get();
    }

    /** Accepted connections not closed yet: this backend's end of each still open. */
    public int open() {
        return open.get();
    }

    /** The next connection the proxy made, waiting for it if need be. */
    public Connection nextConnection(Duration timeout) throws InterruptedException {
        Connection connection = accepted.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (connection == null) {
            throw new AssertionError("no connection reached the backend in " + timeout);
        }
        return connection;
    }

    public Future<Void> close() {
        return server.close();
    }
}
