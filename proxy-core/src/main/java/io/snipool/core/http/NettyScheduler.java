package io.snipool.core.http;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import io.snipool.core.pool.Cancellable;
import io.snipool.core.pool.Scheduler;
import java.util.concurrent.TimeUnit;

/**
 * The clock and timers of a pool, or of backend health, on a Netty event loop: tasks run on that loop, whoever
 * schedules them.
 */
public final class NettyScheduler implements Scheduler {

    private final EventLoop loop;

    public NettyScheduler(EventLoop loop) {
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
