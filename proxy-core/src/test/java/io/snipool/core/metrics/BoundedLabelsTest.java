package io.snipool.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BoundedLabelsTest {

    @Test
    void theFirstValuesPassAndLaterOnesBecomeOther() {
        BoundedLabels labels = new BoundedLabels(2);

        assertThat(labels.label("a.internal:443")).isEqualTo("a.internal:443");
        assertThat(labels.label("b.internal:443")).isEqualTo("b.internal:443");
        assertThat(labels.label("c.internal:443")).isEqualTo(BoundedLabels.OTHER);
        assertThat(labels.label("d.internal:443")).isEqualTo(BoundedLabels.OTHER);
    }

    @Test
    void anAdmittedValueStaysItselfAfterTheCapIsReached() {
        BoundedLabels labels = new BoundedLabels(1);
        labels.label("a");
        labels.label("b");

        assertThat(labels.label("a")).isEqualTo("a");
        assertThat(labels.label("b")).isEqualTo(BoundedLabels.OTHER);
    }

    @Test
    void aCapOfZeroAdmitsNothing() {
        assertThat(new BoundedLabels(0).label("a")).isEqualTo(BoundedLabels.OTHER);
    }
}
