package io.snipool.core.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Which backends take part and in which tiers: round robin, the connect-failure back-off, backups, fail-open, and
 * the in-flight count. The strategies themselves are in {@link BalanceStrategyTest}.
 */
class BackendSelectorTest {

    private static final String ABC = "{ hosts: [x.test], backends: [a.internal:443, b.internal:443, c.internal:443] }";

    private final SelectorFixture fixture = new SelectorFixture(ABC);

    @Test
    void roundRobinPutsEachBackendFirstInTurnAndTheOthersAfterIt() {
        assertThat(fixture.order()).containsExactly("a", "b", "c");
        assertThat(fixture.order()).containsExactly("b", "c", "a");
        assertThat(fixture.order()).containsExactly("c", "a", "b");
        assertThat(fixture.order()).containsExactly("a", "b", "c");
    }

    @Test
    void aFailedBackendGoesLastWhileBackedOff() {
        fixture.selector.markFailed(1);

        assertThat(fixture.selector.isBackedOff(1)).isTrue();
        assertThat(fixture.selector.isBackedOff(0)).isFalse();
        assertThat(fixture.order()).containsExactly("a", "c", "b");
        assertThat(fixture.order()).containsExactly("c", "a", "b");
        assertThat(fixture.order()).containsExactly("a", "c", "b");
    }

    @Test
    void backOffEndsAfterItsDuration() {
        fixture.selector.markFailed(0);
        fixture.clock.advance(BackendSelector.DEFAULT_FAILURE_BACKOFF.minusNanos(1));
        assertThat(fixture.selector.isBackedOff(0)).isTrue();
        assertThat(fixture.order()).containsExactly("b", "c", "a");

        fixture.clock.advance(Duration.ofNanos(1));
        assertThat(fixture.selector.isBackedOff(0)).isFalse();
        assertThat(fixture.order().get(0)).isIn("a", "c");
    }

    @Test
    void repeatedFailureRestartsTheBackOffAndSuccessEndsIt() {
        fixture.selector.markFailed(0);
        fixture.clock.advance(Duration.ofSeconds(4));
        fixture.selector.markFailed(0);
        fixture.clock.advance(Duration.ofSeconds(4));
        assertThat(fixture.selector.isBackedOff(0)).isTrue();

        fixture.selector.markSucceeded(0);
        assertThat(fixture.selector.isBackedOff(0)).isFalse();
        assertThat(fixture.order()).containsExactly("a", "b", "c");
    }

    @Test
    void aBackendThatCameBackAfterItsFailedConnectIsNoLongerBackedOff() {
        fixture.selector.markFailed(0);
        fixture.states.down(0);
        fixture.clock.advance(Duration.ofSeconds(1));
        fixture.states.upSince(0, fixture.clock.getAsLong());

        assertThat(fixture.selector.isBackedOff(0)).isFalse();
        assertThat(fixture.order()).containsExactly("a", "b", "c");
    }

    @Test
    void aFailedConnectAfterComingBackBacksOffAgain() {
        fixture.states.upSince(0, fixture.clock.getAsLong());
        fixture.clock.advance(Duration.ofSeconds(1));
        fixture.selector.markFailed(0);

        assertThat(fixture.selector.isBackedOff(0)).isTrue();
    }

    @Test
    void everyBackendBackedOffIsStillTriedInTurn() {
        fixture.selector.markFailed(0);
        fixture.selector.markFailed(1);
        fixture.selector.markFailed(2);

        assertThat(fixture.order()).containsExactly("a", "b", "c");
        assertThat(fixture.order()).containsExactly("b", "c", "a");
    }

    @Test
    void zeroBackOffNeverReorders() {
        SelectorFixture noBackoff = new SelectorFixture(ABC, Duration.ZERO);
        noBackoff.selector.markFailed(0);

        assertThat(noBackoff.selector.isBackedOff(0)).isFalse();
        assertThat(noBackoff.order()).containsExactly("a", "b", "c");
    }

    @Test
    void backOffSurvivesTheNanoClockWrappingAround() {
        SelectorFixture wrapping = new SelectorFixture(ABC);
        wrapping.clock.advance(Duration.ofNanos(Long.MAX_VALUE - wrapping.clock.getAsLong() - 1_000_000_000L));
        wrapping.selector.markFailed(0);
        wrapping.clock.advance(Duration.ofSeconds(4));

        assertThat(wrapping.clock.getAsLong()).isNegative();
        assertThat(wrapping.selector.isBackedOff(0)).isTrue();
        wrapping.clock.advance(Duration.ofSeconds(1));
        assertThat(wrapping.selector.isBackedOff(0)).isFalse();
    }

    @Test
    void aBackendListedTwiceSharesItsBackOff() {
        SelectorFixture twice = new SelectorFixture("{ hosts: [x.test], backends: [a.internal:443, a.internal:443,"
                + " b.internal:443] }");
        twice.selector.markFailed(1);

        assertThat(twice.selector.isBackedOff(0)).isTrue();
        assertThat(twice.order()).containsExactly("b", "a", "a");
    }

    @Test
    void aSingleBackendIsAlwaysTheOnlyCandidate() {
        SelectorFixture single = new SelectorFixture("{ hosts: [x.test], backends: [a.internal:443] }");
        single.states.down(0);
        single.selector.markFailed(0);

        assertThat(single.order()).containsExactly("a");
    }

    @Test
    void unavailableBackendsAreLeftOut() {
        fixture.states.down(1);

        for (int i = 0; i < 4; i++) {
            assertThat(fixture.order()).hasSize(2).doesNotContain("b");
        }
    }

    @Test
    void withEveryBackendUnavailableAllAreUsedInTurn() {
        fixture.states.down(0, 1, 2);

        assertThat(fixture.order()).containsExactly("a", "b", "c");
        assertThat(fixture.order()).containsExactly("b", "c", "a");
        assertThat(fixture.firstCounts(300)).containsExactly(100, 100, 100);
    }

    @Test
    void backupsComeAfterThePrimariesAndFirstOnlyWhenNoPrimaryIsAvailable() {
        SelectorFixture backups = new SelectorFixture("{ hosts: [x.test], backends: [a.internal:443,"
                + " { address: \"b.internal:443\", backup: true }, c.internal:443] }");

        assertThat(backups.firstCounts(1000)).containsExactly(500, 0, 500);
        assertThat(backups.order()).endsWith("b");

        backups.states.down(0);
        assertThat(backups.firstCounts(1000)).containsExactly(0, 0, 1000);
        assertThat(backups.order()).containsExactly("c", "b");

        backups.states.down(2);
        assertThat(backups.order()).containsExactly("b");
        assertThat(backups.firstCounts(1000)).containsExactly(0, 1000, 0);
    }

    @Test
    void everyBackendUnavailableIncludingBackupsFailsOpenPrimariesFirst() {
        SelectorFixture backups = new SelectorFixture("{ hosts: [x.test], backends: [a.internal:443,"
                + " { address: \"b.internal:443\", backup: true }] }");
        backups.states.down(0, 1);

        assertThat(backups.order()).containsExactly("a", "b");
    }

    @Test
    void aBackedOffPrimaryGoesBehindTheBackups() {
        SelectorFixture backups = new SelectorFixture("{ hosts: [x.test], backends: [a.internal:443,"
                + " { address: \"b.internal:443\", backup: true }] }");
        backups.selector.markFailed(0);

        assertThat(backups.order()).containsExactly("b", "a");
    }

    @Test
    void inFlightCountsRiseAndFallAndCannotGoNegative() {
        fixture.selector.leased(2);
        fixture.selector.leased(2);
        fixture.selector.released(2);
        assertThat(fixture.selector.inFlight(2)).isEqualTo(1);
        fixture.selector.released(2);

        assertThatThrownBy(() -> fixture.selector.released(2)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("c.internal:443");
    }

    @Test
    void candidatesCannotBeChanged() {
        assertThatThrownBy(() -> fixture.selector.candidates(SelectorFixture.NO_KEY).clear())
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void refusesANegativeBackOff() {
        assertThatThrownBy(() -> new SelectorFixture(ABC, Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("back-off");
    }
}
