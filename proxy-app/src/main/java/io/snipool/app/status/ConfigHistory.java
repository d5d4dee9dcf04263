package io.snipool.app.status;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * When the running configuration was loaded and how the last reload went, for the status page and the
 * last-success metric. Thread-safe: reloads record from their own threads, the admin server reads.
 */
public final class ConfigHistory {

    /** One reload attempt: when it ended, whether it was applied, and every problem when it was not. */
    public record Reload(Instant at, boolean applied, List<String> problems) {

        public Reload {
            problems = List.copyOf(problems);
        }
    }

    /** Read and written whole, so that a reader never sees a reload without the load time it set. */
    private record State(Instant loadedAt, Optional<Reload> lastReload) {
    }

    private volatile State state;

    /** @param loadedAt when the configuration the process started with was loaded */
    public ConfigHistory(Instant loadedAt) {
        this.state = new State(loadedAt, Optional.empty());
    }

    /** Records a reload attempt; an applied one is the new load time. */
    public synchronized void reloaded(Reload reload) {
        state = new State(reload.applied() ? reload.at() : state.loadedAt(), Optional.of(reload));
    }

    /** When the configuration in force was loaded: at start-up, or by the last applied reload. */
    public Instant loadedAt() {
        return state.loadedAt();
    }

    /** The latest reload attempt, applied or not; empty until the first. */
    public Optional<Reload> lastReload() {
        return state.lastReload();
    }
}
