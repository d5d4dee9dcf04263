package io.snipool.core.backend;

import io.netty.channel.EventLoop;
import java.net.InetAddress;
import java.util.List;

/** Resolves a host name to its addresses without blocking; the callback runs on {@code loop}. */
public interface HostResolver {

    void resolve(String host, EventLoop loop, Callback callback);

    /** Exactly one of the two is called. */
    interface Callback {
        void resolved(List<InetAddress> addresses);

        void failed(Throwable cause);
    }
}
