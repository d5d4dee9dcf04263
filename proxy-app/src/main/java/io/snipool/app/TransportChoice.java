package io.snipool.app;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.snipool.config.Transport;
import io.vertx.core.impl.transports.NioTransport;
import io.vertx.core.impl.transports.TransportInternal;
import io.vertx.core.impl.transports.TransportLoader;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The socket transport the event loops run on, from the {@code transport} key: {@code auto} takes the first native
 * transport that loads (in {@link #AUTO_ORDER}), else NIO with one line saying why; a named native transport that
 * cannot load stops the start, as the operator asked for it.
 *
 * <p>Only the transports tried are loaded. Vert.x's own constants ({@code io.vertx.core.transport.Transport.EPOLL},
 * {@code IO_URING}, {@code NIO}) are initialised together, and each native one extracts its library from the jar to
 * a temporary file and loads it: a start on io_uring would load epoll's too (about 20 ms of a start-up,
 * docs/performance.md, "Start-up"). So this class builds each transport with Vert.x's loader of that one transport,
 * and snipool never touches those constants outside tests.
 *
 * @param chosen what Vert.x is built with
 * @param note   why {@code auto} fell back to NIO, or empty
 */
record TransportChoice(io.vertx.core.transport.Transport chosen, String note) {

    /** Metric naming the transport in a label, always 1 (Micrometer would drop an {@code _info} suffix). */
    static final String INFO = "snipool_transport";

    /**
     * {@code auto}'s preference, best first: io_uring measured ahead of epoll and of HAProxy on keep-alive
     * (bench/results/issue-13-transport-allocator); it cannot load where the kernel or a seccomp filter forbids it
     * (Docker's default profile does), and then epoll runs.
     */
    static final List<Transport> AUTO_ORDER = List.of(Transport.IO_URING, Transport.EPOLL);

    static TransportChoice of(Transport configured) {
        return switch (configured) {
            case NIO, EPOLL, IO_URING -> required(load(configured));
            case AUTO -> {
                List<String> causes = new ArrayList<>();
                for (Transport name : AUTO_ORDER) {
                    io.vertx.core.transport.Transport candidate = load(name);
                    if (candidate.available()) {
                        yield new TransportChoice(candidate, "");
                    }
                    causes.add(candidate.name() + ": " + cause(candidate));
                }
                yield new TransportChoice(load(Transport.NIO), "no native transport loads (" + String.join("; ", causes)
                        + ")");
            }
        };
    }

    /**
     * The Vert.x transport of {@code name}, loading that one only (the class comment says why). A native transport
     * whose classes are absent from the class path comes back unavailable, with that as its cause.
     */
    static io.vertx.core.transport.Transport load(Transport name) {
        io.vertx.core.transport.Transport loaded = switch (name) {
            case NIO -> new TransportInternal("nio", true, null, NioTransport.INSTANCE);
            case EPOLL -> TransportLoader.epoll();
            case IO_URING -> TransportLoader.io_uring();
            case AUTO -> throw new IllegalArgumentException("auto is a choice among transports, not one");
        };
        if (loaded == null) { // Vert.x's loader answers null when the transport's classes cannot be loaded
            String vertxName = name.name().toLowerCase(Locale.ROOT);
            return new TransportInternal(vertxName, false,
                    new ClassNotFoundException("the " + vertxName + " transport's classes are not on the class path"),
                    null);
        }
        return loaded;
    }

    private static TransportChoice required(io.vertx.core.transport.Transport transport) {
        if (!transport.available()) {
            throw new StartupException("transport " + transport.name() + " cannot load: " + cause(transport)
                    + "; use transport: auto (or nio) on this machine", transport.unavailabilityCause());
        }
        return new TransportChoice(transport, "");
    }

    private static String cause(io.vertx.core.transport.Transport transport) {
        Throwable cause = transport.unavailabilityCause();
        return cause == null ? "not available" : cause.toString();
    }

    /** The name in logs and in the metric's label: {@code epoll}, {@code io_uring} or {@code nio}. */
    String name() {
        return chosen.name().toLowerCase(Locale.ROOT);
    }

    /** The start-up log line. */
    String logLine() {
        return "transport " + name() + (note.isEmpty() ? "" : ": " + note);
    }

    void register(MeterRegistry registry) {
        Gauge.builder(INFO, () -> 1).description("The socket transport of the event loops, as its label")
                .tag("transport", name()).register(registry);
    }
}
