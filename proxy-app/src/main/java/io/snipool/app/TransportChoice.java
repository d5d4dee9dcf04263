package io.snipool.app;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.snipool.config.Transport;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The socket transport the event loops run on, from the {@code transport} key: {@code auto} takes the first native
 * transport that loads (in {@link #AUTO_ORDER}), else NIO with one line saying why; a named native transport that
 * cannot load stops the start, as the operator asked for it.
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
    static final List<io.vertx.core.transport.Transport> AUTO_ORDER = List.of(
            io.vertx.core.transport.Transport.IO_URING, io.vertx.core.transport.Transport.EPOLL);

    static TransportChoice of(Transport configured) {
        return switch (configured) {
            case NIO -> new TransportChoice(io.vertx.core.transport.Transport.NIO, "");
            case EPOLL -> required(io.vertx.core.transport.Transport.EPOLL);
            case IO_URING -> required(io.vertx.core.transport.Transport.IO_URING);
            case AUTO -> {
                List<String> causes = new ArrayList<>();
                for (io.vertx.core.transport.Transport candidate : AUTO_ORDER) {
                    if (candidate.available()) {
                        yield new TransportChoice(candidate, "");
                    }
                    causes.add(candidate.name() + ": " + cause(candidate));
                }
                yield new TransportChoice(io.vertx.core.transport.Transport.NIO,
                        "no native transport loads (" + String.join("; ", causes) + ")");
            }
        };
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
