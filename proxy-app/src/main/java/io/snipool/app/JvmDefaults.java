package io.snipool.app;

import java.util.Map;
import java.util.Properties;

/**
 * System properties snipool sets before anything reads them, each only where the operator has not set it with
 * {@code -D} (their value wins). Read once by the JDK or Netty when first used, so {@link Main} applies them first.
 */
final class JvmDefaults {

    /**
     * Each property and snipool's value.
     * <ul>
     *   <li>{@code jdk.tls.rejectClientInitiatedRenegotiation}: terminated TLS on the JDK provider refuses a client's
     *   TLS 1.2 renegotiation (a CPU cost a client could impose at will; no browser needs it). BoringSSL never
     *   renegotiates as a server.</li>
     *   <li>{@code io.netty.allocator.type}: Netty's pooled allocator with per-thread caches instead of 4.2's default
     *   adaptive one, whose shared magazines cost snipool's event loops queue operations on every buffer (a sixth of
     *   a keep-alive profile); docs/performance.md has the A/B.</li>
     *   <li>{@code io.netty.jfr.enabled}: Netty's allocator does not emit its JFR events. Netty asks JFR whether they
     *   are enabled on the first buffer it allocates, and on a JVM not recording that first question loads JFR's
     *   metadata on an event loop: a tenth of the CPU spent before the first proxied response (docs/performance.md,
     *   "Start-up"). {@code true} brings the events back for a profiling session.</li>
     *   <li>{@code io.netty.iouring.pollAddMultishotEnabled}: on io_uring, a channel waits for input with a one-shot
     *   poll, armed afresh each time it waits, instead of one multishot poll for its whole life. With Netty 4.2.18's
     *   multishot polls, when a peer's last bytes and the reset that ends its connection arrive together, the
     *   poll completions for both come while the read of the bytes is in flight and ask for nothing; the read's
     *   completion reports the socket empty (a FIN would count as unread, a reset does not), which ends Netty's
     *   read loop; and the multishot poll does not fire again. The channel never learns its peer is gone: a
     *   passthrough tunnel stayed open until its idle timeout, holding a {@code limits.max_connections} slot, about
     *   one in 800 under the soak's TLS load ({@code TlsTunnelTest}, bench/soak.sh). The kernel checks a one-shot
     *   poll's socket as it arms it, so the end is seen.</li>
     * </ul>
     */
    static final Map<String, String> DEFAULTS = Map.of(
            "jdk.tls.rejectClientInitiatedRenegotiation", "true",
            "io.netty.allocator.type", "pooled",
            "io.netty.jfr.enabled", "false",
            "io.netty.iouring.pollAddMultishotEnabled", "false");

    private JvmDefaults() {
    }

    /** Sets every default {@code properties} lacks. */
    static void apply(Properties properties) {
        DEFAULTS.forEach(properties::putIfAbsent);
    }
}
