package io.snipool.core.failure;

import java.util.Objects;

/**
 * Why a request or a connection ended early: what kind of failure ({@link FailureKind}, which also says which side
 * failed and how snipool answers), a sentence for the log, and whether the work may be tried again elsewhere
 * without the risk of doing it twice. The one failure type of the data path.
 *
 * @param kind      what failed; its row in {@link FailureKind} gives the status, outcome and metric label
 * @param detail    specifics for the log and the error body, e.g. "limit 8192 bytes, got 9000"
 * @param retrySafe true when nothing came back from a backend, so another attempt may be considered; whether one is
 *                  made depends on what was written and the method ({@code RetryRule})
 */
public record Failure(FailureKind kind, String detail, boolean retrySafe) {

    public Failure {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(detail, "detail");
    }

    /** A failure that no retry may follow. */
    public static Failure of(FailureKind kind, String detail) {
        return new Failure(kind, detail, false);
    }

    /** A failure before anything came back: another backend, or a fresh connection, may be tried. */
    public static Failure beforeSending(FailureKind kind, String detail) {
        return new Failure(kind, detail, true);
    }

    public Side side() {
        return kind.side();
    }

    @Override
    public String toString() {
        return kind.label() + ": " + detail;
    }
}
