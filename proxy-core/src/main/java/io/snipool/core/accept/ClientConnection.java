package io.snipool.core.accept;

import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * An accepted client connection as a listener's protocol handler sees it: its Netty channel, the client's address
 * (the one a PROXY header named, when the listener reads one), where in the pipeline the handler's own handlers
 * go, and what to do when the listener drains. Deliberately small: a passthrough tunnel keeps it for its whole
 * life, idle ones by the thousand. Not thread-safe; used on the channel's event loop.
 */
public final class ClientConnection {

    private final Channel channel;
    private final String anchor;
    private final InetSocketAddress remote;
    /** What the PROXY header named as the address the client connected to; null: the socket's own. */
    private final InetSocketAddress local;
    /** Null until a handler sets one: a drain then closes the connection. */
    private Consumer<Duration> drain;

    /**
     * @param anchor the name of the last handler in the pipeline, the one every protocol handler goes in front of
     * @param remote the client's address
     * @param local  the address it connected to; null for the socket's own, asked of the socket (a system call)
     *               only when first needed
     */
    public ClientConnection(Channel channel, String anchor, InetSocketAddress remote, InetSocketAddress local) {
        this.channel = channel;
        this.anchor = anchor;
        this.remote = remote;
        this.local = local;
    }

    public Channel channel() {
        return channel;
    }

    /** The handler the protocol's handlers are added in front of ({@code pipeline().addBefore(anchor(), ...)}). */
    public String anchor() {
        return anchor;
    }

    /** The client's address: the socket's peer, or what the PROXY header named. */
    public InetSocketAddress remoteAddress() {
        return remote;
    }

    /** The address the client connected to: the socket's own, or what the PROXY header named. */
    public InetSocketAddress localAddress() {
        return local != null ? local : (InetSocketAddress) channel.localAddress();
    }

    /** The client's IP address as text ({@code 192.0.2.1}, {@code 2001:db8:0:0:0:0:0:1}). */
    public String remoteHost() {
        return remote.getAddress().getHostAddress();
    }

    /** The client as the access log and the logs name it: {@code host:port}. */
    public String remoteLabel() {
        return remoteHost() + ":" + remote.getPort();
    }

    /**
     * What the connection does when its listener drains (a graceful shutdown, or a reload that removes the
     * listener), given the time the listener allows before it closes what is left; the last one set wins. Until one
     * is set, a drain closes the connection.
     */
    public void onDrain(Consumer<Duration> drain) {
        this.drain = drain;
    }

    /** The listener drains, and closes what is left after {@code timeout}: runs what {@link #onDrain} set. */
    public void drain(Duration timeout) {
        if (drain == null) {
            channel.close();
        } else {
            drain.accept(timeout);
        }
    }
}
