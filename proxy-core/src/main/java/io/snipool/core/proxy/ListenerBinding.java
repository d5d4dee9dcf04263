package io.snipool.core.proxy;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntFunction;

/** How the instances of one listener (one per event loop) bind its address. */
public sealed interface ListenerBinding {

    /**
     * Vert.x's {@code NetServer}: one socket shared by every instance, accepting on Vert.x's acceptor thread.
     *
     * @param port the configured port, or for {@code :0} a negative one, which Vert.x reads as "a random port,
     *             shared by every server given this same negative number" (a plain 0 would give each its own)
     */
    record Shared(int port) implements ListenerBinding {
    }

    /**
     * A socket per event loop ({@link LoopAcceptor}), all on one port: for {@code :0} the first instance to bind
     * takes a free port and the others bind that one; a configured port is bound by each at once.
     */
    public final class PerLoop implements ListenerBinding {

        private final int configuredPort;
        private final AtomicBoolean claimed = new AtomicBoolean();
        private final Promise<Integer> firstPort = Promise.promise();

        PerLoop(int configuredPort) {
            this.configuredPort = configuredPort;
        }

        /**
         * Binds with {@code bindAt(port)} on {@code context} (the instance's event loop) and completes with the
         * port bound.
         */
        Future<Integer> bind(ContextInternal context, IntFunction<Future<Integer>> bindAt) {
            if (configuredPort != 0) {
                return bindAt.apply(configuredPort);
            }
            if (claimed.compareAndSet(false, true)) {
                return bindAt.apply(0).onComplete(firstPort);
            }
            PromiseInternal<Integer> known = context.promise();
            firstPort.future().onComplete(known);
            return known.future().compose(bindAt::apply);
        }
    }
}
