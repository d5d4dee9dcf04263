package io.snipool.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.snipool.config.ProxyConfig;
import io.snipool.core.accesslog.AccessRecord;
import io.snipool.core.backend.HostResolver;
import io.snipool.core.metrics.PoolMeters;
import io.snipool.core.proxy.ProxyServer;
import io.snipool.core.testbed.Await;
import io.snipool.core.testbed.LeakCheck;
import io.snipool.core.testbed.TestPki;
import io.snipool.core.testbed.TestProxy;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * The data plane of one HTTP listener named {@value #LISTENER}, on an ephemeral port, with two event loops (unless
 * told otherwise) and a resolver that knows no name (backends are IP literals): a {@link TestProxy} whose YAML is
 * built from routes. {@link #close()} stops it and checks that nothing is left behind: no client connection slot, no
 * leased backend connection.
 */
final class ProxyUnderTest implements AutoCloseable {

    static final String LISTENER = "web";

    private static final HostResolver NO_DNS = (host, loop, callback) ->
            callback.failed(new UnknownHostException(host + " (tests resolve no names)"));

    /**
     * How clients reach the routes: an HTTP listener, or a TLS listener whose routes all terminate, so that the
     * same requests run through snipool's second entrance.
     */
    enum Entrance {
        PLAIN, TERMINATED;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The CA and certificate of {@link Entrance#TERMINATED} listeners; written to disk once per test JVM. */
    private static final TestPki PKI = new TestPki();
    private static Path certificateFiles;

    private final TestProxy proxy;
    private final Entrance entrance;

    /**
     * @param routes   the listener's {@code routes:} list, one route per line, in flow style
     * @param settings further top-level YAML ({@code timeouts:}, {@code limits:}, {@code pool:}), or empty
     */
    ProxyUnderTest(Vertx vertx, String routes, String settings) {
        this(vertx, routes, settings, "");
    }

    /** @param listenerKeys further keys of the listener (e.g. {@code forwarded_headers: forwarded}) */
    ProxyUnderTest(Vertx vertx, String routes, String settings, String listenerKeys) {
        this(vertx, routes, settings, listenerKeys, TestProxy.EVENT_LOOPS);
    }

    /** @param eventLoops listener instances, each on its own event loop with its own pool */
    ProxyUnderTest(Vertx vertx, String routes, String settings, String listenerKeys, int eventLoops) {
        this(vertx, routes, settings, listenerKeys, eventLoops, UnaryOperator.identity());
    }

    /**
     * @param edit changes the loaded configuration before the proxy starts (what YAML cannot say yet, such as
     *             {@code backend_tls})
     */
    ProxyUnderTest(Vertx vertx, String routes, String settings, String listenerKeys, int eventLoops,
                   UnaryOperator<ProxyConfig> edit) {
        this(vertx, Entrance.PLAIN, "auto", routes, settings, listenerKeys, eventLoops, edit);
    }

    /**
     * Through {@code entrance}: for {@link Entrance#TERMINATED} a TLS listener with one certificate for
     * {@code a.test} and {@code b.test}, every route of {@code routes} terminating.
     */
    ProxyUnderTest(Vertx vertx, Entrance entrance, String routes, String settings) {
        this(vertx, entrance, "auto", routes, settings);
    }

    /** The same, with the listener's {@code tls.provider} ({@code auto}, {@code openssl} or {@code jdk}). */
    ProxyUnderTest(Vertx vertx, Entrance entrance, String tlsProvider, String routes, String settings) {
        this(vertx, entrance, tlsProvider, routes, settings, "", TestProxy.EVENT_LOOPS, UnaryOperator.identity());
    }

    private ProxyUnderTest(Vertx vertx, Entrance entrance, String tlsProvider, String routes, String settings,
                           String listenerKeys, int eventLoops, UnaryOperator<ProxyConfig> edit) {
        this.entrance = entrance;
        StringBuilder yaml = new StringBuilder("listeners:\n  - name: " + LISTENER
                + "\n    bind: \"127.0.0.1:0\"\n    mode: " + (entrance == Entrance.PLAIN ? "http" : "tls") + "\n");
        if (!listenerKeys.isEmpty()) {
            yaml.append("    ").append(listenerKeys).append('\n');
        }
        if (entrance == Entrance.TERMINATED) {
            Path files = certificateFiles();
            yaml.append("    tls: { certificates: [ { cert: \"").append(files.resolve("cert.pem"))
                    .append("\", key: \"").append(files.resolve("key.pem")).append("\" } ], provider: ")
                    .append(tlsProvider).append(" }\n");
        }
        yaml.append("    routes:\n");
        routes.lines().forEach(route -> yaml.append("      - ").append(entrance == Entrance.PLAIN ? route
                : route.replaceFirst("^\\{", "{ terminate: true,")).append('\n'));
        yaml.append("metrics: { bind: \"127.0.0.1:0\" }\n").append(settings);
        proxy = TestProxy.start(vertx, edit.apply(TestProxy.load(yaml.toString(), Map.of())), NO_DNS, eventLoops);
    }

    int port() {
        return proxy.port(LISTENER);
    }

    /** A new client connection through this proxy's entrance (a TLS one sends SNI {@code a.test}). */
    RawClient connect() throws IOException {
        if (entrance == Entrance.PLAIN) {
            return new RawClient(port());
        }
        // Layered on a socket of the test's own, so that a test can end the TCP stream beneath the TLS one.
        Socket tcp = new Socket(InetAddress.getLoopbackAddress(), port());
        SSLSocket socket = (SSLSocket) PKI.clientContext().getSocketFactory()
                .createSocket(tcp, "a.test", port(), true);
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setServerNames(List.of(new SNIHostName("a.test")));
        socket.setSSLParameters(parameters);
        socket.startHandshake();
        return new RawClient(socket, tcp);
    }

    private static synchronized Path certificateFiles() {
        if (certificateFiles == null) {
            try {
                Path directory = Files.createTempDirectory("snipool-test-certs");
                directory.toFile().deleteOnExit();
                TestPki.Leaf leaf = PKI.leaf("a.test", "b.test");
                Files.writeString(directory.resolve("cert.pem"), leaf.certificatePem());
                Files.writeString(directory.resolve("key.pem"), leaf.privateKeyPem());
                directory.resolve("cert.pem").toFile().deleteOnExit();
                directory.resolve("key.pem").toFile().deleteOnExit();
                certificateFiles = directory;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return certificateFiles;
    }

    ProxyServer server() {
        return proxy.server();
    }

    /**
     * Sends the access log of requests that start from now on to the returned queue (by reloading the same
     * configuration with it); lines are added when requests end, on the event loops.
     */
    Queue<AccessRecord> recordAccessLog() {
        Queue<AccessRecord> records = new ConcurrentLinkedQueue<>();
        proxy.server().accessLog(records::add);
        Await.result(proxy.server().reload(proxy.server().config()));
        return records;
    }

    SimpleMeterRegistry registry() {
        return proxy.registry();
    }

    /** A counter summed over every label. */
    double count(String name) {
        return proxy.registry().find(name).counters().stream().mapToDouble(Counter::count).sum();
    }

    /** A counter summed over the series whose {@code tag} is {@code value}. */
    double count(String name, String tag, String value) {
        return proxy.registry().find(name).tag(tag, value).counters().stream().mapToDouble(Counter::count).sum();
    }

    /** A gauge summed over every label. */
    double gauge(String name) {
        return proxy.gauge(name);
    }

    /** What {@link LeakCheck} reads: client slots, active connections, the pool. */
    LeakCheck.Readings readings() {
        return proxy.readings();
    }

    double staleRetries() {
        return count(PoolMeters.STALE_RETRIES);
    }

    /**
     * Every exchange over: no backend connection leased, no client connection open, and what their ends queued on
     * the event loops run ({@link TestProxy#settle}), so that a count read next is final.
     */
    void awaitQuiet() throws InterruptedException {
        Await.until("no active backend connection and no open client connection", readings()::read,
                seen -> seen.poolActive() == 0 && seen.limiterOpen() == 0);
        proxy.settle();
    }

    @Override
    public void close() throws Exception {
        try {
            awaitQuiet();
        } finally {
            proxy.stop();
            proxy.pools().shutdown().get(Await.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
        assertThat(gauge(PoolMeters.ACTIVE)).as("leased backend connections").isZero();
        assertThat(proxy.limiterOpen()).as("client connection slots").isZero();
    }
}
