package io.snipool.core.http;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** One re-armable timer on an event loop: arming it again cancels the previous deadline. */
final class Deadline {

    private final EventLoop loop;
    private ScheduledFuture<?> pending;

    Deadline(EventLoop loop) {
        this.loop = loop;
    }

    void arm(Duration after, Runnable task) {
        cancel();
        pending = loop.schedule(task, after.toNanos(), TimeUnit.NANOSECONDS);
    }

    void cancel() {
        if (pending != null) {
            pending.cancel(false);
            pending = null;
        }
    }
}
