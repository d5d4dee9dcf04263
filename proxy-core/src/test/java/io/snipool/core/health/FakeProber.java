package io.snipool.core.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.config.HostPort;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/** A prober whose checks the test ends, passing or failing each backend's on command. */
final class FakeProber implements Prober {

    private record Pending(ProbeTarget target, Consumer<CheckResult> done) {
    }

    private final LongSupplier clock;
    private final List<Pending> pending = new ArrayList<>();
    private final List<ProbeTarget> started = new ArrayList<>();
    private final List<Long> startedAt = new ArrayList<>();

    /** @param clock when each check starts, as the test's clock reads */
    FakeProber(LongSupplier clock) {
        this.clock = clock;
    }

    @Override
    public void probe(ProbeTarget target, Consumer<CheckResult> done) {
        started.add(target);
        startedAt.add(clock.getAsLong());
        pending.add(new Pending(target, done));
    }

    /** Checks started so far, of every backend. */
    List<ProbeTarget> started() {
        return started;
    }

    /** When each check of {@code backend} started, as the clock read. */
    List<Long> startTimes(HostPort backend) {
        List<Long> times = new ArrayList<>();
        for (int i = 0; i < started.size(); i++) {
            if (started.get(i).address().equals(backend)) {
                times.add(startedAt.get(i));
            }
        }
        return times;
    }

    int running() {
        return pending.size();
    }

    /** Ends the running check of {@code backend}: passed, or failed by a refused connect. */
    void answer(HostPort backend, boolean passed) {
        Pending check = pending.stream().filter(p -> p.target().address().equals(backend)).findFirst()
                .orElseThrow(() -> new AssertionError("no check of " + backend + " is running; running: " + pending));
        pending.remove(check);
        check.done().accept(passed ? new CheckResult(CheckResult.Kind.OK, "status 200", 1_000_000)
                : new CheckResult(CheckResult.Kind.CONNECT_FAILED, "Connection refused", 2_000_000));
    }

    /** Ends every running check the same way. */
    void answerAll(boolean passed) {
        assertThat(pending).as("checks running").isNotEmpty();
        for (Pending check : List.copyOf(pending)) {
            answer(check.target().address(), passed);
        }
    }
}
