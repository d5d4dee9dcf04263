package io.snipool.core.health;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Rise and fall: how many checks in a row change the verdict, and what breaks a streak. */
class CheckStreakTest {

    private static CheckStreak run(CheckStreak from, int rise, int fall, boolean... results) {
        CheckStreak streak = from;
        for (boolean passed : results) {
            streak = streak.after(passed, rise, fall);
        }
        return streak;
    }

    @Test
    void fallFailuresInARowTakeABackendDown() {
        assertThat(run(CheckStreak.INITIAL, 2, 3, false, false).up()).isTrue();
        assertThat(run(CheckStreak.INITIAL, 2, 3, false, false, false).up()).isFalse();
    }

    @Test
    void aPassBreaksTheFailingStreak() {
        CheckStreak streak = run(CheckStreak.INITIAL, 2, 3, false, false, true, false, false);

        assertThat(streak.up()).isTrue();
        assertThat(streak.failures()).isEqualTo(2);
    }

    @Test
    void riseHasToBeInARowToComeBack() {
        CheckStreak down = run(CheckStreak.INITIAL, 2, 1, false);

        assertThat(run(down, 2, 1, true).up()).isFalse();
        assertThat(run(down, 2, 1, true, false, true).up()).isFalse();
        assertThat(run(down, 2, 1, true, true).up()).isTrue();
    }

    @Test
    void riseAndFallOfOneFollowEveryCheck() {
        assertThat(run(CheckStreak.INITIAL, 1, 1, false).up()).isFalse();
        assertThat(run(CheckStreak.INITIAL, 1, 1, false, true).up()).isTrue();
    }
}
