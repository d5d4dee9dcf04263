package io.snipool.core.route;

/**
 * Whether each backend of one route may be given new requests and connections, and since when: what health checks
 * and passive ejection decide, read by the route's {@link BackendSelector}s. A backend is named by its index in the
 * route's {@code RouteConfig.backends()}.
 *
 * <p>Called on event loops for every pick, so an implementation must answer from memory, without locks or I/O (a
 * volatile or atomic read per backend), and may be shared by the selectors of every event loop.
 */
public interface BackendStates {

    /** {@link #availableSinceNanos} of a backend available since before anyone watched it: no slow start. */
    long SINCE_START = Long.MIN_VALUE;

    /** True if backend {@code backendIndex} may be picked; while none of a route's is, all are (fail open). */
    boolean available(int backendIndex);

    /**
     * When backend {@code backendIndex} last became available, on the clock of {@link System#nanoTime()} (compared
     * by difference, never by order), or {@link #SINCE_START}; the selector ramps its weight up over
     * {@code slow_start} from then. Read only while the backend is available.
     */
    long availableSinceNanos(int backendIndex);

    /** Every backend available, and since the start: what a route has until health checking says otherwise. */
    static BackendStates allUp() {
        return AllUp.INSTANCE;
    }

    /** The states of {@link #allUp()}. */
    enum AllUp implements BackendStates {
        INSTANCE;

        @Override
        public boolean available(int backendIndex) {
            return true;
        }

        @Override
        public long availableSinceNanos(int backendIndex) {
            return SINCE_START;
        }
    }
}
