package io.snipool.core.health;

import io.snipool.core.route.BackendStates;

/**
 * One route's backends as selection sees them, by their index in the route's {@code backends} list: whether each
 * takes new requests, and since when that holds (for slow start). Made per configuration and event loop; reads are
 * volatile reads of the shared {@link BackendState}s. A template backend is always available here: its expanded addresses are
 * ejected one by one ({@link BackendHealth#isDynamicEjected}), where it is expanded.
 */
public final class RouteHealth implements BackendStates {

    private final BackendState[] states;
    private final long untrackedSinceNanos;

    RouteHealth(BackendState[] states, long untrackedSinceNanos) {
        this.states = states;
        this.untrackedSinceNanos = untrackedSinceNanos;
    }

    /** True if backend {@code backendIndex} takes new requests: up, neither down nor ejected. */
    @Override
    public boolean available(int backendIndex) {
        BackendState state = states[backendIndex];
        return state == null || state.available();
    }

    /**
     * When (as {@link System#nanoTime()}) the backend last changed phase: for an available backend, when it came
     * (back) up, or when it was first configured (start-up, or the reload that added it); what slow start ramps
     * from. For a template backend, when health tracking started.
     */
    @Override
    public long availableSinceNanos(int backendIndex) {
        BackendState state = states[backendIndex];
        return state == null ? untrackedSinceNanos : state.sinceNanos();
    }

    /** How many backends the route lists. */
    public int size() {
        return states.length;
    }
}
