package io.snipool.core.testbed;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.TreeMap;
import java.util.function.DoubleSupplier;
import java.util.function.IntSupplier;

/**
 * Proof that a fault left nothing behind. {@link #begin} records, once the proxy is quiet, how many descriptors the
 * process holds with no connection open anywhere; {@link #assertNothingLeaked} waits, with a deadline, until the
 * proxy's own accounting is back to zero (client slots, the active-connection gauge, leased backend connections),
 * checks the idle pool against its caps, and until the descriptor count is exactly that baseline plus the two ends
 * of each idle pooled connection: the proxy's socket and the in-process backend's. No slack: every descriptor is
 * accounted for.
 */
public final class LeakCheck {

    /** Consecutive polls (5 ms apart) that must agree on the baseline. */
    private static final int STEADY_POLLS = 4;

    /** What the proxy says about its connections, read afresh on every call. */
    public record Readings(IntSupplier limiterOpen, DoubleSupplier activeConnections, DoubleSupplier poolActive,
                           DoubleSupplier poolIdle) {
        boolean quiet() {
            return limiterOpen.getAsInt() == 0 && activeConnections.getAsDouble() == 0
                    && poolActive.getAsDouble() == 0;
        }

        String describe() {
            return "client slots " + limiterOpen.getAsInt() + ", active connections "
                    + activeConnections.getAsDouble() + ", leased backend connections " + poolActive.getAsDouble()
                    + ", idle backend connections " + poolIdle.getAsDouble();
        }
    }

    private final Readings proxy;
    private final IntSupplier backendSocketsOpen;
    private final int baseline;
    private final TreeMap<String, Integer> kindsAtBaseline;

    private LeakCheck(Readings proxy, IntSupplier backendSocketsOpen, int baseline,
                      TreeMap<String, Integer> kindsAtBaseline) {
        this.proxy = proxy;
        this.backendSocketsOpen = backendSocketsOpen;
        this.baseline = baseline;
        this.kindsAtBaseline = kindsAtBaseline;
    }

    /**
     * Waits until the proxy is quiet and every backend socket open belongs to an idle pooled connection, then records
     * the baseline. Call it after a warm-up that went through the same code paths, so that the class loader has
     * opened every jar the fault will need.
     *
     * @param backendSocketsOpen sockets the test's backends hold open now (their side of each connection)
     */
    public static LeakCheck begin(Readings proxy, IntSupplier backendSocketsOpen) throws InterruptedException {
        int[] baseline = {Integer.MIN_VALUE};
        int[] steadyPolls = new int[1];
        Await.until(() -> {
            if (!proxy.quiet()) {
                steadyPolls[0] = 0;
                return false;
            }
            int idle = (int) proxy.poolIdle().getAsDouble();
            int backend = backendSocketsOpen.getAsInt();
            int count = OpenFiles.count();
            // Read twice around the count: an idle connection closing meanwhile would skew it.
            boolean settled = backend == idle && idle == (int) proxy.poolIdle().getAsDouble()
                    && backend == backendSocketsOpen.getAsInt();
            int candidate = count - idle - backend;
            // A socket the proxy is still closing is counted by neither side yet still open: the same baseline on
            // several polls in a row means no such descriptor is in flight.
            steadyPolls[0] = settled && candidate == baseline[0] ? steadyPolls[0] + 1 : 0;
            baseline[0] = candidate;
            return steadyPolls[0] >= STEADY_POLLS;
        }, () -> "the proxy to be quiet before the fault: " + proxy.describe() + ", backend sockets "
                + backendSocketsOpen.getAsInt());
        return new LeakCheck(proxy, backendSocketsOpen, baseline[0], OpenFiles.byKind());
    }

    /** Descriptors open with no connection anywhere, as recorded by {@link #begin}. */
    public int baseline() {
        return baseline;
    }

    /**
     * Waits until the proxy is quiet and the descriptors are back to the baseline (plus idle pooled connections), and
     * checks that at most {@code maxIdle} backend connections sit idle.
     */
    public void assertNothingLeaked(int maxIdle) throws InterruptedException {
        Await.until(proxy::quiet, () -> "the proxy's accounting back to zero: " + proxy.describe());
        assertThat(proxy.poolIdle().getAsDouble()).as("idle backend connections").isLessThanOrEqualTo(maxIdle);
        int[] last = new int[2];
        Await.until(() -> {
            int idle = (int) proxy.poolIdle().getAsDouble();
            int backend = backendSocketsOpen.getAsInt();
            last[0] = OpenFiles.count();
            last[1] = baseline + idle + backend;
            return proxy.quiet() && backend == idle && last[0] == last[1];
        }, () -> "open descriptors " + last[0] + ", expected " + last[1] + " (baseline " + baseline + ", "
                + proxy.describe() + ", backend sockets " + backendSocketsOpen.getAsInt()
                + "); kinds that changed since the baseline: " + changedKinds());
    }

    /** Each kind of descriptor whose count differs from the baseline's, as {@code kind: then -> now}. */
    private String changedKinds() {
        TreeMap<String, Integer> now = OpenFiles.byKind();
        TreeMap<String, String> changed = new TreeMap<>();
        for (String kind : union(now, kindsAtBaseline)) {
            int then = kindsAtBaseline.getOrDefault(kind, 0);
            int current = now.getOrDefault(kind, 0);
            if (then != current) {
                changed.put(kind, then + " -> " + current);
            }
        }
        return changed.toString();
    }

    private static java.util.Set<String> union(TreeMap<String, Integer> a, TreeMap<String, Integer> b) {
        java.util.Set<String> keys = new java.util.TreeSet<>(a.keySet());
        keys.addAll(b.keySet());
        return keys;
    }
}
