package io.snipool.core.loop;

import io.netty.channel.Channel;

/**
 * Which of Netty's transports a channel runs on, told by its class's package: code specific to one transport must
 * not load another's classes, which may be absent from the class path (the io_uring test run has no epoll classes).
 */
public enum ChannelTransport {
    IO_URING, EPOLL, OTHER;

    public static ChannelTransport of(Channel channel) {
        return switch (channel.getClass().getPackageName()) {
            case "io.netty.channel.uring" -> IO_URING;
            case "io.netty.channel.epoll" -> EPOLL;
            default -> OTHER;
        };
    }
}
