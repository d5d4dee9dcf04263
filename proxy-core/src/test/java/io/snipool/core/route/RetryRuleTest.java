package io.snipool.core.route;

import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.config.RetryPolicy;
import io.snipool.config.RetryPolicy.RetryOn;
import io.snipool.core.route.RetryRule.FailedAttempt;
import io.snipool.core.route.RetryRule.GiveUp;
import io.snipool.core.route.RetryRule.Reason;
import io.snipool.core.route.RetryRule.Retry;
import io.snipool.core.route.RetryRule.Target;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Each rule of {@link RetryRule}, with the defaults unless a test says otherwise. */
class RetryRuleTest {

    private static final RetryPolicy DEFAULTS = RetryPolicy.defaults();

    private static FailedAttempt broke(boolean written, boolean reused, String method, int retries, boolean stale) {
        return new FailedAttempt(RetryOn.RESET_BEFORE_RESPONSE, written, false, reused, method, true, retries, stale);
    }

    @Test
    void aFailedConnectGoesToTheNextBackendOnce() {
        assertThat(RetryRule.decide(DEFAULTS, FailedAttempt.connect(0)))
                .isEqualTo(new Retry(Reason.CONNECT_FAILURE, Target.NEXT_BACKEND));
        assertThat(RetryRule.decide(DEFAULTS, FailedAttempt.connect(1))).isInstanceOf(GiveUp.class);
    }

    @Test
    void aWrittenPostIsNeverRetriedAndAWrittenGetIs() {
        assertThat(RetryRule.decide(DEFAULTS, broke(true, false, "POST", 0, false)))
                .isEqualTo(new GiveUp("POST is not retried once it reached a backend (retry.methods)"));
        assertThat(RetryRule.decide(DEFAULTS, broke(true, false, "GET", 0, false)))
                .isEqualTo(new Retry(Reason.RESET_BEFORE_RESPONSE, Target.NEXT_BACKEND));
    }

    @Test
    void aPostWhoseHeadNeverWentOutIsRetried() {
        assertThat(RetryRule.decide(DEFAULTS, broke(false, false, "POST", 0, false)))
                .isEqualTo(new Retry(Reason.RESET_BEFORE_RESPONSE, Target.NEXT_BACKEND));
    }

    @Test
    void aReusedConnectionIsReplayedOnceOnTheSameBackendWithoutCountingAnAttempt() {
        RetryPolicy none = new RetryPolicy(0, EnumSet.noneOf(RetryOn.class), RetryPolicy.IDEMPOTENT_METHODS, true);

        assertThat(RetryRule.decide(none, broke(true, true, "GET", 0, false)))
                .isEqualTo(new Retry(Reason.STALE_CONNECTION, Target.SAME_BACKEND));
        assertThat(RetryRule.decide(none, broke(true, true, "GET", 0, true))).isInstanceOf(GiveUp.class);
        assertThat(RetryRule.decide(DEFAULTS, broke(true, true, "POST", 0, false))).isInstanceOf(GiveUp.class);
    }

    @Test
    void nothingIsRetriedOnceAResponseBegan() {
        FailedAttempt answered = new FailedAttempt(RetryOn.RESET_BEFORE_RESPONSE, true, true, true, "GET", true, 0,
                false);
        assertThat(RetryRule.decide(DEFAULTS, answered)).isEqualTo(new GiveUp("a response had begun"));
    }

    @Test
    void aBodyNoLongerKeptCannotBeReplayed() {
        FailedAttempt tooLarge = new FailedAttempt(RetryOn.RESET_BEFORE_RESPONSE, true, false, true, "PUT", false, 0,
                false);
        assertThat(RetryRule.decide(DEFAULTS, tooLarge)).isInstanceOf(GiveUp.class);
    }

    @Test
    void onAttemptsAndOtherBackendFollowThePolicy() {
        RetryPolicy connectsOnly = new RetryPolicy(3, EnumSet.of(RetryOn.CONNECT_FAILURE), Set.of("GET"), false);

        assertThat(RetryRule.decide(connectsOnly, broke(true, false, "GET", 0, false)))
                .isEqualTo(new GiveUp("retry.on does not list reset_before_response"));
        assertThat(RetryRule.decide(connectsOnly, FailedAttempt.connect(2)))
                .isEqualTo(new Retry(Reason.CONNECT_FAILURE, Target.SAME_BACKEND));
        assertThat(RetryRule.decide(connectsOnly, FailedAttempt.connect(3)))
                .isEqualTo(new GiveUp("retry.attempts (3) spent"));
    }

    @Test
    void aConfiguredNonIdempotentMethodIsRetried() {
        RetryPolicy posts = new RetryPolicy(1, RetryPolicy.DEFAULT_ON, Set.of("POST"), true);
        assertThat(RetryRule.decide(posts, broke(true, false, "POST", 0, false))).isInstanceOf(Retry.class);
    }
}
