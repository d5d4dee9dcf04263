package io.snipool.core.http;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A backend made of plain blocking sockets, on an ephemeral port: it records every connection it accepts and every
 * byte it receives, and answers with whatever bytes its {@link Script} writes, malformed ones included. One thread
 * per connection; {@link #close()} closes every socket and waits for the threads.
 */
final class RawBackend implements AutoCloseable {

    /** Serves one accepted connection; returning (or throwing) closes it. */
    @FunctionalInterface
    interface Script {
        void serve(Connection connection) throws IOException;
    }

    /** Answers each request with {@code reply} until the proxy closes the connection. */
    static Script answering(String reply) {
        return connection -> {
            while (connection.readRequest() != null) {
                connection.write(reply);
            }
        };
    }

    /** Answers each request with {@code reply}, after adding the request as received to {@code received}. */
    static Script recording(Queue<HttpWire.Request> received, String reply) {
        return replying(request -> {
            received.add(request);
            return reply;
        });
    }

    /** Answers each request with what {@code reply} makes of it; a null reply closes the connection. */
    static Script replying(Function<HttpWire.Request, String> reply) {
        return connection -> {
            for (HttpWire.Request request = connection.readRequest(); request != null;
                 request = connection.readRequest()) {
                String answer = reply.apply(request);
                if (answer == null) {
                    return;
                }
                connection.write(answer);
            }
        };
    }

    /** One accepted connection, as the script sees it. */
    final class Connection {
        final int index;
        final Socket socket;
        private final InputStream in;
        private final OutputStream out;
        private final ByteArrayOutputStream received = new ByteArrayOutputStream();

        Connection(int index, Socket socket) throws IOException {
            this.index = index;
            this.socket = socket;
            this.in = new BufferedInputStream(socket.getInputStream());
            this.out = socket.getOutputStream();
        }

        /** The next request (head and body), or null once the proxy closed the connection. */
        HttpWire.Request readRequest() throws IOException {
            return HttpWire.readRequest(this::read);
        }

        /** One byte, or -1 at the end of the stream (or a reset). */
        int read() throws IOException {
            int b;
            try {
                b = in.read();
            } catch (SocketException reset) {
                return -1;
            }
            if (b >= 0) {
                synchronized (received) {
                    received.write(b);
                }
            }
            return b;
        }

        /** Up to {@code buffer.length} bytes, or -1 at the end. */
        int read(byte[] buffer) throws IOException {
            int n;
            try {
                n = in.read(buffer);
            } catch (SocketException reset) {
                return -1;
            }
            if (n > 0) {
                synchronized (received) {
                    received.write(buffer, 0, n);
                }
            }
            return n;
        }

        /** Up to {@code length} bytes into {@code buffer}, not recorded (for bodies too large to keep), or -1. */
        int readUnrecorded(byte[] buffer, int length) throws IOException {
            try {
                return in.read(buffer, 0, length);
            } catch (SocketException reset) {
                return -1;
            }
        }

        /**
         * True if the proxy ends this connection within {@code wait}; false if it stays quiet that long, or if a
         * byte comes instead (kept for the next read).
         */
        boolean closedWithin(java.time.Duration wait) throws IOException {
            socket.setSoTimeout((int) wait.toMillis());
            in.mark(1);
            try {
                if (in.read() < 0) {
                    return true;
                }
                in.reset();
                return false;
            } catch (java.net.SocketTimeoutException quiet) {
                return false;
            } catch (SocketException reset) {
                return true;
            } finally {
                socket.setSoTimeout(0);
            }
        }

        void write(String text) throws IOException {
            write(text.getBytes(StandardCharsets.ISO_8859_1));
        }

        void write(byte[] bytes) throws IOException {
            out.write(bytes);
            out.flush();
        }

        byte[] received() {
            synchronized (received) {
                return received.toByteArray();
            }
        }
    }

    private final ServerSocket server;
    private final Script script;
    private final List<Connection> connections = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();
    private final Thread acceptor;
    private volatile boolean closed;

    RawBackend(Script script) throws IOException {
        this(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), script);
    }

    /** On a listening socket of the test's own (a TLS one, say); the backend closes it. */
    RawBackend(ServerSocket server, Script script) {
        this.server = server;
        this.script = script;
        this.acceptor = new Thread(this::acceptLoop, "raw-backend-accept-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** {@code 127.0.0.1:port}, as a backend address in the configuration. */
    String address() {
        return "127.0.0.1:" + port();
    }

    /** Connections accepted so far. */
    int accepted() {
        return connections.size();
    }

    /** Accepted sockets not closed yet: this backend's end of each connection still open. */
    int openSockets() {
        return (int) connections.stream().filter(connection -> !connection.socket.isClosed()).count();
    }

    List<Connection> connections() {
        return connections;
    }

    /** Every byte received so far, on all connections, in the order the connections were accepted. */
    String receivedText() {
        StringBuilder all = new StringBuilder();
        for (Connection connection : connections) {
            all.append(new String(connection.received(), StandardCharsets.ISO_8859_1));
        }
        return all.toString();
    }

    long receivedBytes() {
        return connections.stream().mapToLong(connection -> connection.received().length).sum();
    }

    /** Exceptions thrown by scripts other than the sockets closing under them. */
    List<Throwable> failures() {
        return failures;
    }

    private void acceptLoop() {
        while (!closed) {
            Socket socket;
            try {
                socket = server.accept();
            } catch (IOException e) {
                return;
            }
            try {
                socket.setTcpNoDelay(true);
                Connection connection = new Connection(connections.size(), socket);
                connections.add(connection);
                Thread thread = new Thread(() -> serve(connection),
                        "raw-backend-" + port() + "-" + connection.index);
                thread.setDaemon(true);
                threads.add(thread);
                thread.start();
            } catch (IOException e) {
                failures.add(e);
            }
        }
    }

    private void serve(Connection connection) {
        try {
            script.serve(connection);
        } catch (IOException e) {
            if (!closed && !connection.socket.isClosed() && !(e instanceof SocketException)) {
                failures.add(e);
            }
        } catch (RuntimeException | AssertionError e) {
            failures.add(e);
        } finally {
            try {
                connection.socket.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    @Override
    public void close() throws Exception {
        closed = true;
        server.close();
        for (Connection connection : connections) {
            connection.socket.close();
        }
        acceptor.join(5_000);
        for (Thread thread : threads) {
            thread.join(5_000);
        }
    }
}
