package io.snipool.core.route;

import io.snipool.config.RetryPolicy;
import io.snipool.config.RetryPolicy.RetryOn;
import java.util.Locale;

/**
 * Whether a failed attempt to reach a backend is tried again, and where: the route's {@code retry} policy and
 * RFC 9110 §9.2.2, as one pure function of what happened to the attempt. Both listener kinds ask it: a TLS tunnel
 * after a failed connect, an HTTP exchange after a failed lease or a connection that broke before its response.
 */
public final class RetryRule {

    private RetryRule() {
    }

    /** Why an attempt is retried: the {@code reason} label of {@code snipool_retries_total}. */
    public enum Reason {
        /** The backend could not be had; nothing was sent. */
        CONNECT_FAILURE,
        /** The connection broke after the request was (perhaps) sent, before any response byte. */
        RESET_BEFORE_RESPONSE,
        /** A reused pooled connection broke before any response byte: the backend may have closed it as it idled. */
        STALE_CONNECTION;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** A retry after the request may have been written uses a new connection: the next idle one may be stale too. */
        public boolean freshConnection() {
            return this != CONNECT_FAILURE;
        }
    }

    /** Where the retry goes. */
    public enum Target {
        /** The next backend of the request's candidate order, the first again after the last. */
        NEXT_BACKEND,
        /** The backend that just failed. */
        SAME_BACKEND
    }

    /**
     * What happened to one attempt.
     *
     * @param failure          what failed
     * @param requestWritten   the request head was written to the connection whole, so the backend may have acted on
     *                         the request (a backend cannot act on a head it did not receive whole)
     * @param responseBegan    any byte of a response arrived
     * @param reusedConnection the connection came from the pool's idle connections
     * @param method           the request's method; null for a TLS tunnel, which has none
     * @param bodyKept         every request body byte sent so far is kept for a replay
     * @param retriesDone      retries this request or connection already had, the stale-connection replay excepted
     * @param staleReplayDone  the one stale-connection replay has been used
     */
    public record FailedAttempt(RetryOn failure, boolean requestWritten, boolean responseBegan,
                                boolean reusedConnection, String method, boolean bodyKept, int retriesDone,
                                boolean staleReplayDone) {

        /** A connect (or a lease that found no connection) that failed, after {@code retriesDone} retries. */
        public static FailedAttempt connect(int retriesDone) {
            return new FailedAttempt(RetryOn.CONNECT_FAILURE, false, false, false, null, true, retriesDone, false);
        }
    }

    /** The rule's answer. */
    public sealed interface Decision {
    }

    /** Try again, at {@code target}. */
    public record Retry(Reason reason, Target target) implements Decision {
    }

    /** The failure stands; {@code why} says which rule stopped the retry, for the log. */
    public record GiveUp(String why) implements Decision {
    }

    /** Decides what follows {@code attempt} under {@code policy}. */
    public static Decision decide(RetryPolicy policy, FailedAttempt attempt) {
        if (attempt.responseBegan()) {
            // RFC 9110 §9.2.2 lets a client retry a request whose connection closed "before it receives a response";
            // a response that has begun may already have been acted on by the client as well.
            return new GiveUp("a response had begun");
        }
        if (attempt.requestWritten() && attempt.method() != null && !policy.methods().contains(attempt.method())) {
            // RFC 9110 §9.2.2: "A proxy MUST NOT automatically retry non-idempotent requests."
            return new GiveUp(attempt.method() + " is not retried once it reached a backend (retry.methods)");
        }
        if (!attempt.bodyKept()) {
            return new GiveUp("the request body is no longer kept (limits.max_retry_body_bytes)");
        }
        boolean broke = attempt.failure() == RetryOn.RESET_BEFORE_RESPONSE;
        if (broke && attempt.reusedConnection() && !attempt.staleReplayDone()) {
            return new Retry(Reason.STALE_CONNECTION, Target.SAME_BACKEND);
        }
        if (!policy.on().contains(attempt.failure())) {
            return new GiveUp("retry.on does not list " + attempt.failure().label());
        }
        if (attempt.retriesDone() >= policy.attempts()) {
            return new GiveUp("retry.attempts (" + policy.attempts() + ") spent");
        }
        return new Retry(broke ? Reason.RESET_BEFORE_RESPONSE : Reason.CONNECT_FAILURE,
                policy.otherBackend() ? Target.NEXT_BACKEND : Target.SAME_BACKEND);
    }
}
