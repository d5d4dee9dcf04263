package io.snipool.core.testbed;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A blocking-socket backend that runs a script on each accepted connection, one thread each. Plain JDK sockets
 * give the test exact control of TCP: half-close ({@link Socket#shutdownOutput()}), reading to end of stream, and
 * writing while not reading.
 */
public final class SocketBackend implements AutoCloseable {

    /** What the backend does with one connection; the socket is closed after it returns. */
    @FunctionalInterface
    public interface Script {
        void run(Socket socket) throws Exception;
    }

    /** Every blocking read of a script gives up after this, so a broken proxy fails a test instead of hanging it. */
    public static final Duration READ_TIMEOUT = Duration.ofSeconds(10);

    private static final Throwable PASSED = new Throwable("passed");

    private final ServerSocket server;
    private final BlockingQueue<Throwable> outcomes = new LinkedBlockingQueue<>();
    private final AtomicInteger open = new AtomicInteger();

    private SocketBackend(ServerSocket server) {
        this.server = server;
    }

    public static SocketBackend start(Script script) throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        SocketBackend backend = new SocketBackend(server);
        Thread acceptor = new Thread(() -> backend.acceptLoop(script), "socket-backend-accept");
        acceptor.setDaemon(true);
        acceptor.start();
        return backend;
    }

    private void acceptLoop(Script script) {
        while (!server.isClosed()) {
            Socket socket;
            try {
                socket = server.accept();
            } catch (IOException closed) {
                return;
            }
            open.incrementAndGet();
            Thread worker = new Thread(() -> {
                try {
                    try (socket) {
                        socket.setSoTimeout((int) READ_TIMEOUT.toMillis());
                        script.run(socket);
                    }
                    outcomes.add(PASSED);
                } catch (Throwable failure) {
                    outcomes.add(failure);
                } finally {
                    open.decrementAndGet();
                }
            }, "socket-backend-script");
            worker.setDaemon(true);
            worker.start();
        }
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Accepted sockets whose script has not ended yet (each is closed when its script ends). */
    public int open() {
        return open.get();
    }

    /** Waits for the next script run to end, and fails with its failure if it threw. */
    public void awaitScript(Duration timeout) throws InterruptedException {
        Throwable outcome = outcomes.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (outcome == null) {
            throw new AssertionError("the backend script did not finish in " + timeout);
        }
        if (outcome != PASSED) {
            throw new AssertionError("the backend script failed: " + outcome, outcome);
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
