package io.snipool.core.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.snipool.core.failure.FailureKind;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;

/**
 * Every snipool meter: its name, labels and registration, in one place. Names are Micrometer's dotted form; the
 * Prometheus registry renders {@code snipool.connections} as {@code snipool_connections_total}. docs/metrics.md
 * lists each under its Prometheus name.
 */
public final class ProxyMetrics {

    public static final String CONNECTIONS = "snipool.connections";
    public static final String CONNECTIONS_ACTIVE = "snipool.connections.active";
    public static final String CONNECTIONS_LIMIT = "snipool.connections.limit";
    public static final String BYTES = "snipool.bytes";
    public static final String CLIENT_HELLO_ERRORS = "snipool.client.hello.errors";
    public static final String CLIENT_HELLO_DURATION = "snipool.client.hello.duration";
    public static final String BACKEND_CONNECT_ERRORS = "snipool.backend.connect.errors";
    public static final String TUNNEL_DURATION = "snipool.tunnel.duration";
    public static final String RETRIES = "snipool.retries";
    public static final String HTTP2_CONNECTIONS = "snipool.http2.connections";
    public static final String HTTP2_STREAMS = "snipool.http2.streams";
    public static final String LINGERING_CLOSES = "snipool.lingering.closes";

    /** Distinct {@code backend} label values per listener before further ones are reported as {@code other}. */
    public static final int DEFAULT_MAX_BACKEND_LABELS = 200;

    private static final Duration[] TUNNEL_BUCKETS = seconds(0.1, 1, 10, 60, 300, 1800, 3600, 14400);
    private static final Duration[] HELLO_BUCKETS = seconds(0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5);

    /** The fate of a client connection, counted once per connection in {@link #CONNECTIONS}. */
    public enum Outcome {
        /** HTTP listeners: accepted and handed to the HTTP exchange (per-request outcomes are counted apart). */
        ACCEPTED,
        /** Closed at once because {@code limits.max_connections} was reached. */
        OVER_LIMIT,
        /** Closed at once: the client address is in {@code deny}, or not in a non-empty {@code allow}. */
        DENIED,
        /** Closed at once: the client already has {@code max_connections_per_ip} connections open. */
        OVER_IP_LIMIT,
        /** Closed at once: the client opens connections faster than {@code new_connections_per_ip}. */
        OVER_IP_RATE,
        /** TLS: the hello routed and the backend connected; the bytes were tunnelled. */
        TUNNELLED,
        /** TLS: the hello was refused (malformed, too large, too slow, no usable SNI). */
        HELLO_ERROR,
        /** TLS: no route for the name; alert {@code unrecognized_name} sent. */
        NO_ROUTE,
        /** TLS: every backend of the route failed to connect, or a dynamic target was refused. */
        BACKEND_UNAVAILABLE,
        /** TLS: the client went away before its hello was complete or while the backend connected. */
        CLIENT_CLOSED,
        /** TLS, terminating route: the handshake completed and the connection went to the HTTP path. */
        TERMINATED,
        /** TLS, terminating route: no certificate for the name, no common ALPN protocol, or a failed handshake. */
        TLS_ERROR;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final MeterRegistry registry;

    public ProxyMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public MeterRegistry registry() {
        return registry;
    }

    /**
     * Exports {@code limits.max_connections} (process-wide, so without labels) as read from {@code limit} at each
     * scrape, so that a reload's new limit shows and alerts can compare {@link #CONNECTIONS_ACTIVE} with it.
     */
    public void connectionLimit(IntSupplier limit) {
        Gauge.builder(CONNECTIONS_LIMIT, limit, IntSupplier::getAsInt).strongReference(true)
                .description("limits.max_connections: client connections open at once across all listeners")
                .register(registry);
    }

    /** The meters of one listener; create once per listener and share between its event loops. */
    public ListenerMeters listener(String name) {
        return new ListenerMeters(name, DEFAULT_MAX_BACKEND_LABELS);
    }

    /** Meters labelled with one listener's name. Thread-safe: shared by the listener's event loops. */
    public final class ListenerMeters {
        private final String listener;
        private final Map<Outcome, Counter> outcomes = new EnumMap<>(Outcome.class);
        /** The outcome counter of each connection kind of failure, matched by label once, here. */
        private final Map<FailureKind, Counter> refusals = new EnumMap<>(FailureKind.class);
        private final AtomicLong active = new AtomicLong();
        private final Counter bytesToBackend;
        private final Counter bytesToClient;
        private final Map<String, Counter> helloErrors = new ConcurrentHashMap<>();
        private final Map<String, Counter> connectErrors = new ConcurrentHashMap<>();
        /** Keyed by route and reason, joined by a NUL, which neither contains. */
        private final Map<String, Counter> retries = new ConcurrentHashMap<>();
        private final Map<String, Counter> lingeringCloses = new ConcurrentHashMap<>();
        private final BoundedLabels backendLabels;
        private final Timer tunnelDuration;
        private final Timer helloDuration;
        private Http2Meters http2;
        /**
         * Registered at the first HTTP/2 connection, not before (a listener that never sees one shows no series),
         * then kept: a lookup in the registry per stream cost more than the rest of the stream's metrics. Two loops
         * racing to register get the same counter.
         */
        private volatile Counter http2Connections;
        private volatile Counter http2Streams;

        private ListenerMeters(String listener, int maxBackendLabels) {
            this.listener = listener;
            for (Outcome outcome : Outcome.values()) {
                outcomes.put(outcome, Counter.builder(CONNECTIONS).description("Client connections by outcome")
                        .tag("listener", listener).tag("outcome", outcome.label()).register(registry));
            }
            for (FailureKind kind : FailureKind.values()) {
                if (!kind.isRequestKind()) {
                    refusals.put(kind, outcomes.get(Arrays.stream(Outcome.values())
                            .filter(outcome -> outcome.label().equals(kind.outcome())).findFirst()
                            .orElseThrow(() -> new IllegalStateException("no outcome " + kind.outcome()))));
                }
            }
            registry.gauge(CONNECTIONS_ACTIVE, Tags.of("listener", listener), active, AtomicLong::get);
            bytesToBackend = bytes("client_to_backend");
            bytesToClient = bytes("backend_to_client");
            backendLabels = new BoundedLabels(maxBackendLabels);
            tunnelDuration = Timer.builder(TUNNEL_DURATION).description("Life of TLS tunnels")
                    .tag("listener", listener).serviceLevelObjectives(TUNNEL_BUCKETS).register(registry);
            helloDuration = Timer.builder(CLIENT_HELLO_DURATION)
                    .description("Time from accept to a complete ClientHello").tag("listener", listener)
                    .serviceLevelObjectives(HELLO_BUCKETS).register(registry);
        }

        private Counter bytes(String direction) {
            return Counter.builder(BYTES).description("Bytes relayed").baseUnit("bytes")
                    .tag("listener", listener).tag("direction", direction).register(registry);
        }

        public void opened() {
            active.incrementAndGet();
        }

        public void closed() {
            active.decrementAndGet();
        }

        public long active() {
            return active.get();
        }

        public void outcome(Outcome outcome) {
            outcomes.get(outcome).increment();
        }

        /** Counts a connection closed early, under its kind's outcome; {@code kind} is a connection kind. */
        public void refused(FailureKind kind) {
            refusals.get(kind).increment();
        }

        public void bytesToBackend(long bytes) {
            bytesToBackend.increment(bytes);
        }

        public void bytesToClient(long bytes) {
            bytesToClient.increment(bytes);
        }

        /** {@code reason} is one of a fixed set (the hello rejection labels, {@code no_sni}). */
        public void helloError(String reason) {
            helloErrors.computeIfAbsent(reason, r -> Counter.builder(CLIENT_HELLO_ERRORS)
                    .description("ClientHellos refused, by reason").tag("listener", listener).tag("reason", r)
                    .register(registry)).increment();
        }

        public void helloDuration(long nanos) {
            helloDuration.record(nanos, TimeUnit.NANOSECONDS);
        }

        public void backendConnectError(String backend) {
            String label = backendLabels.label(backend);
            connectErrors.computeIfAbsent(label, b -> Counter.builder(BACKEND_CONNECT_ERRORS)
                    .description("Failed backend connects, by backend").tag("listener", listener).tag("backend", b)
                    .register(registry)).increment();
        }

        public void tunnelDuration(Duration duration) {
            tunnelDuration.record(duration);
        }

        /**
         * Counts one retry of a request or connection of {@code route} (its first host as written), for
         * {@code reason}, one of a fixed set ({@code connect_failure}, {@code reset_before_response},
         * {@code stale_connection}).
         */
        public void retry(String route, String reason) {
            retries.computeIfAbsent(route + '\0' + reason, key -> Counter.builder(RETRIES)
                    .description("Attempts tried again on a backend, by route and reason").tag("listener", listener)
                    .tag("route", route).tag("reason", reason).register(registry)).increment();
        }

        /**
         * Counts a client connection closed in stages (lingering) once it is closed, by what ended it: {@code ended}
         * is one of a fixed set ({@code fin}, {@code lingering_timeout}, {@code lingering_time}, {@code other}).
         */
        public void lingeringClose(String ended) {
            lingeringCloses.computeIfAbsent(ended, e -> Counter.builder(LINGERING_CLOSES)
                    .description("Client connections closed in stages after snipool's last answer, by what ended them")
                    .tag("listener", listener).tag("ended", e).register(registry)).increment();
        }

        /** This listener's HTTP/2 refusal and GOAWAY meters, made at the first ask and shared from then on. */
        public synchronized Http2Meters http2() {
            if (http2 == null) {
                http2 = new Http2Meters(registry, listener);
            }
            return http2;
        }

        /** A client connection became HTTP/2 (ALPN h2, or h2c with prior knowledge). */
        public void http2Connection() {
            Counter connections = http2Connections;
            if (connections == null) {
                connections = Counter.builder(HTTP2_CONNECTIONS).description("Client connections served as HTTP/2")
                        .tag("listener", listener).register(registry);
                http2Connections = connections;
            }
            connections.increment();
        }

        /** A client opened an HTTP/2 stream (its request is also one in the request meters once it is read). */
        public void http2Stream() {
            Counter streams = http2Streams;
            if (streams == null) {
                streams = Counter.builder(HTTP2_STREAMS).description("Client HTTP/2 streams opened")
                        .tag("listener", listener).register(registry);
                http2Streams = streams;
            }
            streams.increment();
        }
    }

    private static Duration[] seconds(double... values) {
        Duration[] durations = new Duration[values.length];
        for (int i = 0; i < values.length; i++) {
            durations[i] = Duration.ofNanos((long) (values[i] * 1e9));
        }
        return durations;
    }
}
