package io.snipool.core.route;

import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.config.BackendTemplate;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The selector and backend health: a backend its route's view says is down or ejected goes last, tried only when
 * every available one has failed; with all of them unavailable, all are still tried (fail open).
 */
class BackendSelectorHealthTest {

    private static final BackendTemplate A = BackendTemplate.parse("a.internal:443");
    private static final BackendTemplate B = BackendTemplate.parse("b.internal:443");
    private static final BackendTemplate C = BackendTemplate.parse("c.internal:443");

    private final boolean[] available = {true, true, true};
    private final BackendSelector selector = new BackendSelector(List.of(A, B, C), index -> available[index]);

    @Test
    void anUnavailableBackendGoesLastAndTheOthersShareTheFirstAttempts() {
        available[1] = false;

        assertThat(selector.candidates()).containsExactly(A, C, B);
        assertThat(selector.candidates()).containsExactly(C, A, B);
        assertThat(selector.candidates()).containsExactly(A, C, B);
    }

    @Test
    void itTakesItsTurnAgainOnceAvailable() {
        available[0] = false;
        assertThat(selector.candidates()).containsExactly(B, C, A);

        available[0] = true;

        assertThat(selector.candidates()).containsExactly(C, A, B);
        assertThat(selector.candidates()).containsExactly(A, B, C);
    }

    @Test
    void withEveryBackendUnavailableAllAreStillTriedInTurn() {
        available[0] = false;
        available[1] = false;
        available[2] = false;

        assertThat(selector.candidates()).containsExactly(A, B, C);
        assertThat(selector.candidates()).containsExactly(B, C, A);
    }
}
