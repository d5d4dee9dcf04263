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

    /** Consecutive polls ({@link Await#POLL_INTERVAL} apart) that must agree on the baseline. */
    private static final int STEADY_POLLS = 4;

    /** What the proxy says about its connections, read afresh on every call. */
    public record Readings(IntSupplier limiterOpen, DoubleSupplier activeConnections, DoubleSupplier poolActive,
                           DoubleSupplier poolIdle) {
        /** Every reading once, now. */
        public Snapshot read() {
            return new Snapshot(limiterOpen.getAsInt(), activeConnections.getAsDouble(), poolActive.getAsDouble(),
                    poolIdle.getAsDouble());
        }
    }

    /** What the proxy said at one moment. */
    public record Snapshot(int limiterOpen, double activeConnections, double poolActive, double poolIdle) {
        /** No client slot held, no client connection counted active, no backend connection leased. */
        public boolean quiet() {
            return limiterOpen == 0 && activeConnections == 0 && poolActive == 0;
        }

        @Override
        public String toString() {
            return "client slots " + limiterOpen + ", active connections " + activeConnections
                    + ", leased backend connections " + poolActive + ", idle backend connections " + poolIdle;
        }
    }

    /**
     * One poll of {@link #begin}: the descriptors open with no connection anywhere ({@code baseline}), and on how many
     * polls in a row before this one that figure was the same with everything settled.
     */
    private record BaselineSample(Snapshot proxy, int backendSockets, int baseline, int steadyPolls) {

        static final BaselineSample NONE = new BaselineSample(null, 0, Integer.MIN_VALUE, 0);

        static BaselineSample take(Readings readings, IntSupplier backendSocketsOpen, BaselineSample previous) {
            Snapshot proxy = readings.read();
            if (!proxy.quiet()) {
                return new BaselineSample(proxy, backendSocketsOpen.getAsInt(), previous.baseline, 0);
            }
            int idle = (int) proxy.poolIdle();
            int backend = backendSocketsOpen.getAsInt();
            int count = OpenFiles.count();
            // Read twice around the count: an idle connection closing meanwhile would skew it.
            boolean settled = backend == idle && idle == (int) readings.poolIdle().getAsDouble()
                    && backend == backendSocketsOpen.getAsInt();
            int candidate = count - idle - backend;
            // A socket the proxy is still closing is counted by neither side yet still open: the same baseline on
            // several polls in a row means no such descriptor is in flight.
            int steadyPolls = settled && candidate == previous.baseline ? previous.steadyPolls + 1 : 0;
            return new BaselineSample(proxy, backend, candidate, steadyPolls);
        }
    }

    /**
     * One poll of {@link #assertNothingLeaked}: the descriptors open against the baseline plus both ends of each idle
     * pooled connection.
     */
    private final class DescriptorSample {
        private final int idle = (int) proxy.poolIdle().getAsDouble();
        private final int backendSockets = backendSocketsOpen.getAsInt();
        private final int open = OpenFiles.count();
        private final Snapshot after = proxy.read();

        boolean balanced() {
            return after.quiet() && backendSockets == idle && open == baseline + idle + backendSockets;
        }

        /** Which kinds of descriptor changed is read only here, once a wait has failed: it reads every link. */
        @Override
        public String toString() {
            return "open descriptors " + open + ", expected " + (baseline + idle + backendSockets) + " (baseline "
                    + baseline + ", " + after + ", backend sockets " + backendSockets
                    + "); kinds that changed since the baseline: " + changedKinds();
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
        BaselineSample[] previous = {BaselineSample.NONE};
        BaselineSample steady = Await.until("the proxy quiet before the fault, with the same descriptor baseline on "
                        + STEADY_POLLS + " polls in a row",
                () -> previous[0] = BaselineSample.take(proxy, backendSocketsOpen, previous[0]),
                sample -> sample.steadyPolls() >= STEADY_POLLS);
        return new LeakCheck(proxy, backendSocketsOpen, steady.baseline(), OpenFiles.byKind());
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
        Await.until("the proxy's accounting back to zero", proxy::read, Snapshot::quiet);
        assertThat(proxy.poolIdle().getAsDouble()).as("idle backend connections").isLessThanOrEqualTo(maxIdle);
        Await.until("open descriptors back to the baseline plus both ends of each idle pooled connection",
                DescriptorSample::new, DescriptorSample::balanced);
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
