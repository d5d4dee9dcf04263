package io.snipool.app;

/** What {@code /readyz} reports: 200 only while {@link State#READY}. */
public final class Readiness {

    /** The process's life, in order. */
    public enum State { STARTING, READY, DRAINING }

    private volatile State state = State.STARTING;

    public State state() {
        return state;
    }

    public void set(State next) {
        state = next;
    }

    public boolean isReady() {
        return state == State.READY;
    }
}
