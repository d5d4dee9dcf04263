package io.snipool.core.route;

import java.util.List;

/**
 * Where one request or connection is in its candidate order ({@link BackendSelector#candidates}) as it is retried.
 * A retry to the next backend after a failed connect goes only to a backend not tried yet: a refused connect is
 * likely refused again, and a template refused by policy certainly is. One after a broken connection goes to the
 * next backend in order, back to the first after the last, so a route of one backend retries it on a new connection.
 */
public final class CandidateWalk {

    private final List<BackendSelector.Candidate> candidates;
    private final boolean[] tried;
    private int position;

    /** @param candidates at least one, in the order to try them; the first is current */
    public CandidateWalk(List<BackendSelector.Candidate> candidates) {
        if (candidates.isEmpty()) {
            throw new IllegalArgumentException("no candidates to walk");
        }
        this.candidates = candidates;
        this.tried = new boolean[candidates.size()];
        this.tried[0] = true;
    }

    /** The backend to try now. */
    public BackendSelector.Candidate current() {
        return candidates.get(position);
    }

    /** True if {@code retry} has a backend to go to; {@link #advance} would move there. */
    public boolean canAdvance(RetryRule.Retry retry) {
        return target(retry) >= 0;
    }

    /**
     * Moves to the backend {@code retry} names.
     *
     * @throws IllegalStateException if there is none ({@link #canAdvance} was false)
     */
    public void advance(RetryRule.Retry retry) {
        int next = target(retry);
        if (next < 0) {
            throw new IllegalStateException("every backend was tried: " + candidates);
        }
        position = next;
        tried[next] = true;
    }

    /**
     * Passes over the current backend (an expanded address that is ejected) for the next one not tried yet; not a
     * retry, so it spends none of the route's {@code retry.attempts}. False, staying put, when every candidate was
     * tried: the caller then uses the current one (fail open).
     */
    public boolean passOver() {
        int size = candidates.size();
        for (int step = 1; step < size; step++) {
            int next = (position + step) % size;
            if (!tried[next]) {
                position = next;
                tried[next] = true;
                return true;
            }
        }
        return false;
    }

    /** The position {@code retry} goes to, or -1. */
    private int target(RetryRule.Retry retry) {
        if (retry.target() == RetryRule.Target.SAME_BACKEND) {
            return position;
        }
        int size = candidates.size();
        for (int step = 1; step <= size; step++) {
            int next = (position + step) % size;
            if (retry.reason() != RetryRule.Reason.CONNECT_FAILURE || !tried[next]) {
                return next;
            }
        }
        return -1;
    }
}
