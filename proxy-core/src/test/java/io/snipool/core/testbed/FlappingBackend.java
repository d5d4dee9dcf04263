package io.snipool.core.testbed;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.impl.ConnectionBase;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/**
 * A real HTTP/1.1 backend (Vert.x's) on a loopback port it keeps, that flaps on command: its health endpoint
 * ({@link #HEALTH_PATH}) answers the status the test sets, other requests their own set status with the backend's
 * name as body; {@link #kill()} closes the server and every connection, {@link #restart()} listens again on the
 * same port. It records each request with the connection it came on, so a test can tell health checks from traffic
 * and fresh connections from reused ones. Requests for one path can be held unanswered ({@link #hold}) until the test
 * lets them go ({@link #release()}), to keep requests in flight while something changes.
 */
public final class FlappingBackend {

    /** The path the health checks of tests ask for. */
    public static final String HEALTH_PATH = "/healthz";

    /** One request as the backend saw it. */
    public record Seen(int connection, String path, String host, String userAgent, String connectionHeader) {

        public boolean healthCheck() {
            return HEALTH_PATH.equals(path);
        }
    }

    private final Vertx vertx;
    private final String name;
    private final UnaryOperator<HttpServerOptions> tuning;
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger open = new AtomicInteger();
    private final Map<HttpConnection, Integer> connectionIds = new ConcurrentHashMap<>();
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private volatile int healthStatus = 200;
    private volatile int trafficStatus = 200;
    private volatile String heldPath;
    /** Held requests, each with the context it came on: they are answered there. */
    private final Queue<Map.Entry<Context, HttpServerRequest>> held = new ConcurrentLinkedQueue<>();
    private volatile HttpServer server;
    private volatile int port;

    private FlappingBackend(Vertx vertx, String name, UnaryOperator<HttpServerOptions> tuning) {
        this.vertx = vertx;
        this.name = name;
        this.tuning = tuning;
    }

    /** A plain backend on an ephemeral port. */
    public static Future<FlappingBackend> start(Vertx vertx, String name) {
        return start(vertx, name, UnaryOperator.identity());
    }

    /** As {@link #start(Vertx, String)}, with {@code tuning} applied to the server's options (TLS, say). */
    public static Future<FlappingBackend> start(Vertx vertx, String name, UnaryOperator<HttpServerOptions> tuning) {
        FlappingBackend backend = new FlappingBackend(vertx, name, tuning);
        return backend.listen(0).map(ignored -> backend);
    }

    private Future<Void> listen(int onPort) {
        HttpServer next = vertx.createHttpServer(tuning.apply(new HttpServerOptions().setHost("127.0.0.1")
                .setPort(onPort)));
        next.connectionHandler(connection -> {
            connectionIds.put(connection, accepted.incrementAndGet());
            open.incrementAndGet();
            connection.closeHandler(ignored -> {
                open.decrementAndGet();
                connectionIds.remove(connection);
            });
        });
        next.requestHandler(this::answer);
        return next.listen().map(bound -> {
            server = bound;
            port = bound.actualPort();
            return null;
        });
    }

    private void answer(HttpServerRequest request) {
        boolean check = HEALTH_PATH.equals(request.path());
        seen.add(new Seen(connectionIds.getOrDefault(request.connection(), -1), request.path(),
                request.getHeader("Host"), request.getHeader("User-Agent"), request.getHeader("Connection")));
        if (request.path().equals(heldPath)) {
            held.add(Map.entry(Vertx.currentContext(), request));
            return;
        }
        respond(request, check ? healthStatus : trafficStatus);
    }

    private void respond(HttpServerRequest request, int status) {
        request.response().setStatusCode(status).putHeader("Content-Type", "text/plain").end(name);
    }

    /** From now on requests for {@code path} get no answer until {@link #release()}. */
    public FlappingBackend hold(String path) {
        heldPath = path;
        return this;
    }

    /** Requests held by {@link #hold} and not released yet. */
    public int held() {
        return held.size();
    }

    /** Answers every held request (with the traffic status) and holds no more. */
    public void release() {
        heldPath = null;
        for (Map.Entry<Context, HttpServerRequest> entry; (entry = held.poll()) != null; ) {
            HttpServerRequest request = entry.getValue();
            entry.getKey().runOnContext(ignored -> respond(request, trafficStatus));
        }
    }

    /** What {@link #HEALTH_PATH} answers from now on. */
    public FlappingBackend health(int status) {
        healthStatus = status;
        return this;
    }

    /** What every other request is answered with from now on. */
    public FlappingBackend traffic(int status) {
        trafficStatus = status;
        return this;
    }

    /**
     * Dies as a crashed process does: stops listening and closes every connection at once, in the middle of a
     * request or not (Vert.x's own close lets requests under way finish first). Connects are refused until
     * {@link #restart()}.
     */
    public Future<Void> kill() {
        for (HttpConnection connection : connectionIds.keySet()) {
            ((ConnectionBase) connection).channel().close();
        }
        return server.close();
    }

    /** Listens again on the port it had. */
    public Future<Void> restart() {
        return listen(port);
    }

    public String name() {
        return name;
    }

    public int port() {
        return port;
    }

    /** Connections accepted so far. */
    public int accepted() {
        return accepted.get();
    }

    /** Connections accepted and not closed yet. */
    public int open() {
        return open.get();
    }

    /** Every request so far, in order. */
    public List<Seen> seen() {
        return List.copyOf(seen);
    }

    /** Requests so far that were not health checks. */
    public long trafficRequests() {
        return seen.stream().filter(request -> !request.healthCheck()).count();
    }

    public Future<Void> close() {
        return server.close();
    }
}
