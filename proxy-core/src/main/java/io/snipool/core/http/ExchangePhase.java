package io.snipool.core.http;

/**
 * Where an {@link Exchange} is in its life, and which phase may follow which: the state diagram in
 * docs/architecture.md, as code. The request body runs beside these phases (an early response may stream while the
 * client still sends), so whether it is complete is the exchange's own fact, not a phase.
 */
enum ExchangePhase {
    /** Waiting for a backend connection: an idle one, a connect, or a place in the wait queue. */
    LEASING,
    /** The request is going out on the leased connection and nothing has come back yet. */
    SENDING,
    /** Something came back (an interim response, a head being checked) but no final head reached the client. */
    RECEIVING,
    /** The final response head (or a 101) went to the client; its body is streaming. */
    STREAMING,
    /** A reused connection failed before any response byte: the request waits for a fresh one. */
    REPLAYING,
    /** A 101 was forwarded; a tunnel owns both connections and the lease ends with it. */
    UPGRADED,
    /** Over: the lease is recycled or closed and the session has been told. */
    DONE;

    /** Whether {@code target} may follow this phase: every arrow of the diagram, and no other. */
    boolean mayMoveTo(ExchangePhase target) {
        return switch (this) {
            case LEASING -> target == SENDING || target == DONE;
            case SENDING -> target == RECEIVING || target == REPLAYING || target == DONE;
            case RECEIVING -> target == STREAMING || target == DONE;
            case STREAMING -> target == UPGRADED || target == DONE;
            case REPLAYING -> target == SENDING || target == DONE;
            case UPGRADED, DONE -> false;
        };
    }

    /** True once nothing more happens in the exchange: done, or handed to a tunnel. */
    boolean over() {
        return this == DONE || this == UPGRADED;
    }
}
