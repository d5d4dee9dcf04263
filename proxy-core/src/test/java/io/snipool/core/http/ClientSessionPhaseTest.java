package io.snipool.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.core.http.ClientSession.Phase;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A client connection's phases allow exactly the arrows of docs/architecture.md. */
class ClientSessionPhaseTest {

    @Test
    void exactlyTheDiagramsArrows() {
        List<String> allowed = new ArrayList<>();
        for (Phase from : Phase.values()) {
            for (Phase to : Phase.values()) {
                if (from.mayMoveTo(to)) {
                    allowed.add(from + " -> " + to);
                }
            }
        }
        assertThat(allowed).containsExactlyInAnyOrder(
                "FIRST_HEAD -> EXCHANGING", "FIRST_HEAD -> CLOSED",
                "NEXT_HEAD -> EXCHANGING", "NEXT_HEAD -> CLOSED",
                "EXCHANGING -> NEXT_HEAD", "EXCHANGING -> CLOSED",
                "CLOSED -> CLOSED");
    }

    @Test
    void aClientTimerRunsOnlyWhileAHeadIsAwaited() {
        assertThat(Phase.FIRST_HEAD.awaitingHead()).isTrue();
        assertThat(Phase.NEXT_HEAD.awaitingHead()).isTrue();
        assertThat(Phase.EXCHANGING.awaitingHead()).isFalse();
        assertThat(Phase.CLOSED.awaitingHead()).isFalse();
    }
}
