package io.snipool.core.pool;

/** Something that can be called off: a scheduled task, or a lease request still waiting for a connection. */
@FunctionalInterface
public interface Cancellable {

    /** Returned when there is nothing left to cancel, for example a lease answered before {@code lease} returned. */
    Cancellable NONE = () -> { };

    /** Calls the thing off if it has not happened yet; afterwards, and when called again, does nothing. */
    void cancel();
}
