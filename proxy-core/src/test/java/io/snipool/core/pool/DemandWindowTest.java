package io.snipool.core.pool;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link DemandWindow}: a peak is kept for at least one window and at most a slot more, in nanoTime's wrap too. */
class DemandWindowTest {

    private static final Duration WINDOW = Duration.ofSeconds(60);
    private static final long SLOT = WINDOW.toNanos() / DemandWindow.SLOTS;
    /** Close to the top of the long range, so the window wraps around as System.nanoTime may. */
    private static final long START = Long.MAX_VALUE - SLOT / 2;

    @Test
    void aPeakIsKeptForOneWindowAndGoneASlotLater() {
        DemandWindow window = new DemandWindow(WINDOW, START);
        window.observe(7, START + SLOT - 1); // the end of the first slot: the latest a peak can be remembered from

        assertThat(window.peak(START + SLOT - 1 + WINDOW.toNanos())).isEqualTo(7);
        assertThat(window.peak(START + SLOT + WINDOW.toNanos())).isZero();
    }

    @Test
    void theEstimateStepsDownToTheNextHighestPeak() {
        DemandWindow window = new DemandWindow(WINDOW, START);
        window.observe(9, START);
        window.observe(3, START + 2 * SLOT);
        window.observe(5, START + 4 * SLOT);

        assertThat(window.peak(START + 4 * SLOT)).isEqualTo(9);
        assertThat(window.peak(START + 7 * SLOT)).isEqualTo(5);
        assertThat(window.peak(START + 11 * SLOT)).isZero();
    }

    @Test
    void aLongSilenceForgetsEverything() {
        DemandWindow window = new DemandWindow(WINDOW, START);
        window.observe(4, START);

        assertThat(window.peak(START + 1000 * SLOT)).isZero();
        window.observe(2, START + 1000 * SLOT);
        assertThat(window.peak(START + 1000 * SLOT)).isEqualTo(2);
    }

    @Test
    void aNewWindowLengthKeepsThePeakSeenSoFar() {
        DemandWindow window = new DemandWindow(WINDOW, START);
        window.observe(6, START);

        window.window(Duration.ofSeconds(6), START + SLOT);

        assertThat(window.peak(START + SLOT)).isEqualTo(6);
        assertThat(window.peak(START + SLOT + Duration.ofSeconds(7).toNanos() + 1)).isZero();
    }

    @Test
    void theNextStepIsTheEndOfTheSlotUnderWay() {
        DemandWindow window = new DemandWindow(WINDOW, START);
        window.observe(1, START + 2 * SLOT + 5);

        assertThat(window.nextStepNanos()).isEqualTo(START + 3 * SLOT);
    }
}
