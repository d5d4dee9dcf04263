package io.snipool.core.route;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Route regexes meet client-chosen names: the work of one match is bounded. */
class BoundedMatchTest {

    @Test
    void ordinaryPatternsMatchAsUsual() {
        Pattern tenant = Pattern.compile("^(?<tenant>[a-z0-9-]+)\\.apps\\.test$");

        assertThat(BoundedMatch.matches(tenant, "acme.apps.test", BoundedMatch.DEFAULT_BUDGET))
                .hasValueSatisfying(m -> assertThat(m.group("tenant")).isEqualTo("acme"));
        assertThat(BoundedMatch.matches(tenant, "acme.apps.test.evil", BoundedMatch.DEFAULT_BUDGET)).isEmpty();
        String longest = "a".repeat(63) + "." + "b".repeat(63) + "." + "c".repeat(63) + ".apps.test";
        assertThat(BoundedMatch.matches(Pattern.compile("^([a-z]+\\.)+apps\\.test$"), longest,
                BoundedMatch.DEFAULT_BUDGET)).as("a long legitimate name fits the budget").isPresent();
    }

    /** Without the bound, {@code (a+)+b} on 60 a's takes about 2^60 steps; this test would never end. */
    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void catastrophicBacktrackingGivesUpAsNoMatch() {
        Pattern evil = Pattern.compile("^(a+)+b$");

        assertThat(BoundedMatch.matches(evil, "a".repeat(60), BoundedMatch.DEFAULT_BUDGET)).isEmpty();
        assertThat(BoundedMatch.matches(evil, "aaab", BoundedMatch.DEFAULT_BUDGET)).as("it still matches what fits")
                .isPresent();
    }
}
