package io.snipool.core.backend;

import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.nio.NioChannelOption;
import io.snipool.config.TcpKeepAlive;
import io.snipool.core.loop.ChannelTransport;
import jdk.net.ExtendedSocketOptions;

/**
 * Sets {@code pool.tcp_keepalive} on a backend socket with the options of the transport it runs on: io_uring's and
 * epoll's own {@code TCP_KEEPIDLE}, {@code TCP_KEEPINTVL} and {@code TCP_KEEPCNT}, or on NIO the JDK's
 * {@link ExtendedSocketOptions}. Each transport's option classes are touched only for a channel of that transport:
 * the others may be absent from the class path.
 */
public final class KeepAliveProbes {

    private KeepAliveProbes() {
    }

    /**
     * Turns probes on with {@code keepAlive}'s timers, or off.
     *
     * @return false if the transport refused an option (a platform without per-socket keep-alive timers)
     */
    public static boolean apply(Channel channel, TcpKeepAlive keepAlive) {
        ChannelConfig config = channel.config();
        if (!keepAlive.enabled()) {
            return config.setOption(ChannelOption.SO_KEEPALIVE, false);
        }
        int idle = (int) keepAlive.idle().toSeconds();
        int interval = (int) keepAlive.interval().toSeconds();
        boolean set = config.setOption(ChannelOption.SO_KEEPALIVE, true);
        return switch (ChannelTransport.of(channel)) {
            case IO_URING -> set && IoUring.apply(config, idle, interval, keepAlive.count());
            case EPOLL -> set && Epoll.apply(config, idle, interval, keepAlive.count());
            case OTHER -> set && config.setOption(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPIDLE), idle)
                    && config.setOption(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPINTERVAL), interval)
                    && config.setOption(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPCOUNT), keepAlive.count());
        };
    }

    private static final class IoUring {
        static boolean apply(ChannelConfig config, int idle, int interval, int count) {
            return config.setOption(io.netty.channel.uring.IoUringChannelOption.TCP_KEEPIDLE, idle)
                    && config.setOption(io.netty.channel.uring.IoUringChannelOption.TCP_KEEPINTVL, interval)
                    && config.setOption(io.netty.channel.uring.IoUringChannelOption.TCP_KEEPCNT, count);
        }
    }

    private static final class Epoll {
        static boolean apply(ChannelConfig config, int idle, int interval, int count) {
            return config.setOption(io.netty.channel.epoll.EpollChannelOption.TCP_KEEPIDLE, idle)
                    && config.setOption(io.netty.channel.epoll.EpollChannelOption.TCP_KEEPINTVL, interval)
                    && config.setOption(io.netty.channel.epoll.EpollChannelOption.TCP_KEEPCNT, count);
        }
    }
}
