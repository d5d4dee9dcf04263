package io.snipool.config;

/** The top-level {@code accept} key: how the event loops take new connections from a listener's address. */
public enum AcceptMode {
    /**
     * A listening socket per event loop ({@code SO_REUSEPORT}): each loop accepts its own connections, no thread
     * hands them over. Needs a native transport; on NIO snipool says so once and runs {@link #SHARED}.
     */
    PER_LOOP,
    /** One listening socket per address, accepted on a thread of its own that hands each connection to a loop. */
    SHARED;

    public static final AcceptMode DEFAULT = PER_LOOP;
}
