package io.snipool.core.loop;

import io.netty.channel.Channel;

/**
 * The workarounds for Netty 4.2.18's native transports that every channel snipool accepts or connects gets, at its
 * creation: {@link ReadsEndAtClose} on io_uring, {@link EpollRegistrationRepair} on epoll. NIO channels get nothing.
 */
public final class TransportRepairs {

    private TransportRepairs() {
    }

    public static void install(Channel channel) {
        switch (ChannelTransport.of(channel)) {
            case IO_URING -> ReadsEndAtClose.install(channel);
            case EPOLL -> EpollRegistrationRepair.install(channel);
            case OTHER -> {
            }
        }
    }
}
