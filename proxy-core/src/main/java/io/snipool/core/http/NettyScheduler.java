package io.snipool.core.http;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import io.snipool.core.pool.Cancellable;
import io.snipool.core.pool.Scheduler;
import java.util.concurrent.TimeUnit;

/** The pool's clock and timers on a Netty event loop: tasks run on the loop that owns the pool. */
final class NettyScheduler implements Scheduler {

    private final EventLoop loop;

    NettyScheduler(EventLoop loop) {
        this.loop = loop;
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public Cancellable schedule(long delayNanos, Runnable task) {
        ScheduledFuture<?> future = loop.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
        return () -> future.cancel(false);
    }
}
