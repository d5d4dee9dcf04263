package io.snipool.core.pool;

import io.snipool.config.PoolSettings;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.snipool.core.pool.PoolHarness.A;
import static io.snipool.core.pool.TestSettings.settings;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code min_idle_for_age}: a connection near its {@code max_lifetime} no longer counts toward the warm minimum, so
 * its replacement is warm before it expires. Walks the clock through several lifetimes in small steps and looks
 * at every step; each connect completes at the next step, that is well within {@code min_idle_for_age}.
 */
class PoolRotationTest {

    private static final Duration LIFETIME = Duration.ofMinutes(1);
    private static final Duration JITTER = Duration.ofSeconds(10);
    private static final Duration STEP = Duration.ofMillis(250);
    private static final Duration WALK = Duration.ofMinutes(5);

    private final PoolHarness h = new PoolHarness();

    /**
     * Makes the key known (prewarming its minimum), then walks: the fewest idle connections seen at any step, before
     * that step's connects completed.
     */
    private int fewestWarmDuringTheWalk(PoolSettings settings) {
        h.pool.prewarm(A, settings);
        for (int i = 0; i < 10; i++) { // prewarming, at its rate
            h.connector.completeAll();
            h.clock.advance(STEP);
        }
        int fewest = Integer.MAX_VALUE;
        for (Duration walked = Duration.ZERO; walked.compareTo(WALK) < 0; walked = walked.plus(STEP)) {
            h.clock.advance(STEP);
            fewest = Math.min(fewest, h.stats(A).idle());
            h.connector.completeAll();
        }
        return fewest;
    }

    @Test
    void withMinIdleForAgeTheReplacementIsWarmBeforeTheOldConnectionExpires() {
        PoolSettings rotating = settings().maxLifetime(LIFETIME, JITTER).minIdle(2, 10)
                .minIdleForAge(Duration.ofSeconds(5)).build();

        assertThat(fewestWarmDuringTheWalk(rotating)).as("never below the minimum, not even at rotation")
                .isEqualTo(2);
        assertThat(h.listener.reasons()).as("every connection lived out its lifetime").isNotEmpty()
                .containsOnly(EvictionReason.MAX_LIFETIME);
        // One replacement per connection and lifetime: 2 at first, then at most 2 per 50 s (the shortest lifetime).
        assertThat(h.connector.made().size()).isBetween(2 + 2 * 5, 2 + 2 * 6);
    }

    @Test
    void withoutItTheMinimumHasAGapAtEachRotation() {
        PoolSettings lateReplacements = settings().maxLifetime(LIFETIME, JITTER).minIdle(2, 10)
                .minIdleForAge(Duration.ZERO).build();

        assertThat(fewestWarmDuringTheWalk(lateReplacements)).isLessThan(2);
    }

    @Test
    void theAdaptiveTargetIsRotatedTheSameWay() {
        PoolSettings adaptive = settings().maxLifetime(LIFETIME, JITTER).idleTimeout(Duration.ofMinutes(10))
                .minIdle(0, 10).minIdleForAge(Duration.ofSeconds(5))
                .adaptive(Duration.ofMinutes(10), 1.0, 100).build();
        h.idleConnections(A, adaptive, 3);
        assertThat(h.stats(A).targetIdle()).isEqualTo(3);

        assertThat(fewestWarmDuringTheWalk(adaptive)).as("three warm while the window remembers three").isEqualTo(3);
        assertThat(h.listener.reasons()).isNotEmpty().containsOnly(EvictionReason.MAX_LIFETIME);
    }

    @Test
    void aConnectionReturnedTooOldToCountIsReplacedAtOnce() {
        PoolSettings adaptive = settings().maxLifetime(LIFETIME, Duration.ZERO).minIdle(0, 1000)
                .minIdleForAge(Duration.ofSeconds(5)).adaptive(Duration.ofMinutes(10), 1.0, 100).build();
        Lease<FakeConnection> lease = h.leaseFresh(A, adaptive);
        h.clock.advance(LIFETIME.minusSeconds(4));
        assertThat(h.connector.inFlight()).as("leased, it is the target's one connection").isZero();

        lease.recycle();

        assertThat(h.connector.inFlight()).as("its replacement, four seconds before it expires").isEqualTo(1);
        h.connector.complete();
        h.clock.advance(Duration.ofSeconds(4));
        h.assertCounts(A, 1, 0, 0, 0);
        assertThat(h.listener.reasons()).containsExactly(EvictionReason.MAX_LIFETIME);
    }
}
