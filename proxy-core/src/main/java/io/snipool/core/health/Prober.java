package io.snipool.core.health;

import java.util.function.Consumer;

/** Runs one active check, always on a fresh connection of its own (never a pooled one, which can hide a broken path). */
@FunctionalInterface
public interface Prober {

    /** Starts a check of {@code target}; {@code done} is told its result exactly once, on the prober's thread. */
    void probe(ProbeTarget target, Consumer<CheckResult> done);
}
