package io.snipool.core.loop;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

/**
 * The repair is for the epoll transport alone: a channel of another transport gets nothing in its pipeline. On
 * epoll it is exercised end to end by HalfClosedBulkTest and HalfClosedLargeResponseTest under -Ptest-epoll.
 */
class EpollRegistrationRepairTest {

    @Test
    void aChannelOfAnotherTransportIsLeftAsItIs() {
        EmbeddedChannel channel = new EmbeddedChannel();
        EpollRegistrationRepair.afterInputShutdown(channel);
        assertThat(channel.pipeline().get(EpollRegistrationRepair.HANDLER_NAME)).isNull();
        channel.finishAndReleaseAll();
    }
}
