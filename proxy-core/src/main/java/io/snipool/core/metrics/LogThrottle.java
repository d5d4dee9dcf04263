package io.snipool.core.metrics;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Keeps a repeating event from flooding the log: at most one line per interval, which says how many more happened
 * since the line before. Every event is still counted in metrics by its caller. Thread-safe.
 */
public final class LogThrottle {

    /** At most one line per this interval, unless told otherwise. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);

    private final long intervalNanos;
    private final LongSupplier nanoClock;
    private final AtomicLong nextLineAt;
    private final AtomicLong heldBack = new AtomicLong();

    public LogThrottle(Duration interval) {
        this(interval, System::nanoTime);
    }

    /** @param nanoClock {@link System#nanoTime}, or a test's clock */
    LogThrottle(Duration interval, LongSupplier nanoClock) {
        this.intervalNanos = interval.toNanos();
        this.nanoClock = nanoClock;
        this.nextLineAt = new AtomicLong(nanoClock.getAsLong());
    }

    /**
     * Counts one event and returns its line when one is due: {@code line}, followed by how many events were held back
     * since the last line ({@code "; 3 more <verb> since the last report"}). Empty when the line is held back.
     */
    public Optional<String> admit(Supplier<String> line, String verb) {
        long now = nanoClock.getAsLong();
        long due = nextLineAt.get();
        // Compared by subtraction, as System.nanoTime requires; the CAS lets one thread of a burst through.
        if (now - due >= 0 && nextLineAt.compareAndSet(due, now + intervalNanos)) {
            long others = heldBack.getAndSet(0);
            return Optional.of(line.get() + (others > 0 ? "; " + others + " more " + verb + " since the last report"
                    : ""));
        }
        heldBack.incrementAndGet();
        return Optional.empty();
    }
}
