package io.snipool.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The exchange's phases allow exactly the arrows of the diagram in docs/architecture.md. */
class ExchangePhaseTest {

    /** The diagram's arrows, written out independently of {@link ExchangePhase#mayMoveTo}. */
    private static final List<String> ARROWS = List.of(
            "LEASING -> SENDING", "LEASING -> DONE",
            "SENDING -> RECEIVING", "SENDING -> REPLAYING", "SENDING -> DONE",
            "RECEIVING -> STREAMING", "RECEIVING -> DONE",
            "STREAMING -> UPGRADED", "STREAMING -> DONE",
            "REPLAYING -> SENDING", "REPLAYING -> DONE");

    @Test
    void exactlyTheDiagramsArrows() {
        List<String> allowed = new ArrayList<>();
        for (ExchangePhase from : ExchangePhase.values()) {
            for (ExchangePhase to : ExchangePhase.values()) {
                if (from.mayMoveTo(to)) {
                    allowed.add(from + " -> " + to);
                }
            }
        }
        assertThat(allowed).containsExactlyInAnyOrderElementsOf(ARROWS);
    }

    @Test
    void onlyDoneAndUpgradedAreOverAndNeitherHasAWayOut() {
        Set<ExchangePhase> over = EnumSet.noneOf(ExchangePhase.class);
        for (ExchangePhase phase : ExchangePhase.values()) {
            if (phase.over()) {
                over.add(phase);
                for (ExchangePhase next : ExchangePhase.values()) {
                    assertThat(phase.mayMoveTo(next)).as(phase + " -> " + next).isFalse();
                }
            }
        }
        assertThat(over).containsExactlyInAnyOrder(ExchangePhase.DONE, ExchangePhase.UPGRADED);
    }

    @Test
    void everyPhaseButTheFirstCanBeReachedAndEveryLivePhaseCanEnd() {
        Set<ExchangePhase> reached = EnumSet.of(ExchangePhase.LEASING);
        boolean grew = true;
        while (grew) {
            grew = false;
            for (ExchangePhase from : EnumSet.copyOf(reached)) {
                for (ExchangePhase to : ExchangePhase.values()) {
                    if (from.mayMoveTo(to) && reached.add(to)) {
                        grew = true;
                    }
                }
            }
        }
        assertThat(reached).containsExactlyInAnyOrder(ExchangePhase.values());
        for (ExchangePhase phase : ExchangePhase.values()) {
            assertThat(phase.over() || phase.mayMoveTo(ExchangePhase.DONE)).as(phase.toString()).isTrue();
        }
    }
}
