package io.snipool.core.testbed;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.snipool.config.HostPort;
import io.snipool.core.backend.TargetConnector;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/** Backend connections made by a {@link TargetConnector}, for tests of the channels it makes. */
public final class Dials {

    private Dials() {
    }

    /**
     * Starts a connect to loopback {@code port} on {@code loop}. {@code onConnected} runs on the loop before the
     * future completes with the channel; a failed dial fails the future with its reason.
     */
    public static CompletableFuture<Channel> start(EventLoop loop, TargetConnector connector, int port,
                                                   Consumer<Channel> onConnected) {
        CompletableFuture<Channel> connected = new CompletableFuture<>();
        loop.execute(() -> connector.connect(new HostPort("127.0.0.1", port), false, true, () -> false,
                new TargetConnector.Callback() {
                    @Override
                    public void connected(Channel channel) {
                        onConnected.accept(channel);
                        connected.complete(channel);
                    }

                    @Override
                    public void failed(String reason) {
                        connected.completeExceptionally(new IOException(reason));
                    }
                }));
        return connected;
    }
}
