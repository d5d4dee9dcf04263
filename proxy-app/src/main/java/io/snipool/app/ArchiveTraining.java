package io.snipool.app;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PushbackInputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The training run of the class-data archive that {@code bin/snipool} makes on a jar's first start
 * (docs/operations.md, "Class-data archive"): snipool started through its command line on loopback ports, with a
 * backend of its own, sent what its first clients send (HTTP requests, a TLS ClientHello, the admin endpoints), then
 * stopped. The JVM it runs in, started with {@code -XX:ArchiveClassesAtExit} (or {@code -XX:AOTCacheOutput} on JDK
 * 25), writes the classes this loaded into the archive when it exits; later starts map them instead of loading
 * them from the jar. Exits 0 only if every step worked, so that the launcher keeps no archive of a broken run.
 */
public final class ArchiveTraining {

    /** The one name routed, in the reserved {@code .invalid} domain (RFC 2606): never a real host. */
    static final String HOST = "training.snipool.invalid";
    /** Bounds every socket operation: the launcher starts snipool without the archive rather than wait. */
    private static final int SOCKET_TIMEOUT_MILLIS = 10_000;
    private static final int HTTP_REQUESTS = 3;
    private static final byte[] BACKEND_RESPONSE =
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nok\n"
                    .getBytes(StandardCharsets.US_ASCII);
    private static final byte TLS_HANDSHAKE_RECORD = 0x16;

    private ArchiveTraining() {
    }

    public static void main(String[] args) throws Exception {
        JvmDefaults.apply(System.getProperties());
        Path dir = Files.createTempDirectory("snipool-training");
        try (ServerSocket backend = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> serve(backend), "training-backend");
            acceptor.setDaemon(true);
            acceptor.start();
            Path config = Files.writeString(dir.resolve("training.yaml"), config(backend.getLocalPort(), dir));
            Cli.Outcome outcome = new Cli(new PrintStream(OutputStream.nullOutputStream()), System.err,
                    name -> null).run("--config", config.toString());
            if (!(outcome instanceof Cli.Running running)) {
                throw new IllegalStateException("snipool did not start: " + outcome);
            }
            Snipool snipool = running.snipool();
            try {
                exerciseAdmin(snipool.adminPort());
                exerciseHttp(snipool.listenerPort("http"));
                exerciseTlsPassthrough(snipool.listenerPort("tls"));
            } finally {
                snipool.drain();
            }
        } finally {
            deleteTree(dir);
        }
        System.exit(0);
    }

    /** The smallest configuration that takes every start-up step: HTTP and TLS listeners, admin, access log. */
    static String config(int backendPort, Path dir) {
        return """
                listeners:
                  - name: http
                    bind: 127.0.0.1:0
                    mode: http
                    routes:
                      - hosts: [%1$s]
                        backends: ["127.0.0.1:%2$d"]
                  - name: tls
                    bind: 127.0.0.1:0
                    mode: tls
                    routes:
                      - hosts: [%1$s]
                        backends: ["127.0.0.1:%2$d"]
                metrics: { bind: "127.0.0.1:0" }
                shutdown: { drain_timeout: 0s }
                access_log: { enabled: true, path: "%3$s", format: json }
                logging: { level: warn }
                """.formatted(HOST, backendPort, dir.resolve("access.log"));
    }

    private static void exerciseAdmin(int port) throws IOException {
        for (String path : List.of("/readyz", "/healthz", "/metrics", "/api/pools")) {
            expectOk(port, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        }
    }

    private static void exerciseHttp(int port) throws IOException {
        try (Socket socket = connect(port)) {
            for (int i = 0; i < HTTP_REQUESTS; i++) {
                socket.getOutputStream().write(("GET / HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                readResponse(socket.getInputStream());
            }
        }
        expectOk(port, "GET / HTTP/1.1\r\nHost: " + HOST + "\r\nConnection: close\r\n\r\n");
    }

    /**
     * A ClientHello naming the routed host: snipool reads it, routes it and tunnels it to the backend, which closes,
     * and the tunnel closes the client. Built by hand: a JDK {@code SSLSocket} would add the JDK's TLS classes,
     * which snipool never loads, to the archive.
     */
    private static void exerciseTlsPassthrough(int port) throws IOException {
        try (Socket socket = connect(port)) {
            socket.getOutputStream().write(clientHello(HOST));
            if (socket.getInputStream().read() != -1) {
                throw new IOException("the training backend answered a ClientHello");
            }
        }
    }

    /** A TLS 1.2 ClientHello (RFC 5246, section 7.4.1.2) with one cipher suite and a server_name (RFC 6066). */
    static byte[] clientHello(String host) {
        byte[] name = host.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer serverName = ByteBuffer.allocate(9 + name.length)
                .putShort((short) 0).putShort((short) (5 + name.length))    // server_name, extension length
                .putShort((short) (3 + name.length)).put((byte) 0)          // list length, host_name
                .putShort((short) name.length).put(name);
        ByteBuffer body = ByteBuffer.allocate(2 + 32 + 1 + 4 + 2 + 2 + serverName.capacity())
                .putShort((short) 0x0303).put(new byte[32]).put((byte) 0)   // version, random, no session
                .putShort((short) 2).putShort((short) 0xc02f)               // TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
                .put((byte) 1).put((byte) 0)                                // null compression
                .putShort((short) serverName.capacity()).put(serverName.array());
        return ByteBuffer.allocate(9 + body.capacity())
                .put(TLS_HANDSHAKE_RECORD).putShort((short) 0x0301).putShort((short) (4 + body.capacity()))
                .put((byte) 1).put((byte) 0).putShort((short) body.capacity()) // client_hello, 24-bit length
                .put(body.array()).array();
    }

    private static void expectOk(int port, String request) throws IOException {
        try (Socket socket = connect(port)) {
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            readResponse(socket.getInputStream());
        }
    }

    /** Reads one response whose body has a Content-Length; throws unless its status is 200. */
    private static void readResponse(InputStream in) throws IOException {
        String head = readHead(in);
        if (!head.startsWith("HTTP/1.1 200")) {
            throw new IOException("expected 200, got: " + head.lines().findFirst().orElse(""));
        }
        int length = head.lines().filter(line -> line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:"))
                .map(line -> Integer.parseInt(line.substring(line.indexOf(':') + 1).strip())).findFirst().orElse(0);
        in.readNBytes(length);
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        int c;
        while ((c = in.read()) != -1) {
            head.append((char) c);
            if (head.length() >= 4 && head.lastIndexOf("\r\n\r\n") == head.length() - 4) {
                return head.toString();
            }
        }
        throw new IOException("connection closed after " + head.length() + " bytes of a head");
    }

    private static Socket connect(int port) throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setSoTimeout(SOCKET_TIMEOUT_MILLIS);
        return socket;
    }

    /** The backend: 200 to every request of a connection; a TLS ClientHello is closed at once. */
    private static void serve(ServerSocket backend) {
        while (!backend.isClosed()) {
            try {
                Socket socket = backend.accept();
                Thread connection = new Thread(() -> answer(socket), "training-backend-connection");
                connection.setDaemon(true);
                connection.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private static void answer(Socket socket) {
        try (socket) {
            socket.setSoTimeout(SOCKET_TIMEOUT_MILLIS);
            PushbackInputStream in = new PushbackInputStream(socket.getInputStream());
            while (true) {
                int first = in.read();
                if (first == -1 || first == TLS_HANDSHAKE_RECORD) {
                    return;
                }
                in.unread(first);
                readHead(in);
                socket.getOutputStream().write(BACKEND_RESPONSE);
            }
        } catch (IOException e) {
            // The proxy closed the connection: nothing more to answer.
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
