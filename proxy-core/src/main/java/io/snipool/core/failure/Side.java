package io.snipool.core.failure;

/** Which party a failure is laid at: the one that broke the exchange, or snipool itself. */
public enum Side {
    /** The client sent something snipool refuses, was too slow, or went away. */
    CLIENT,
    /** A backend could not be reached, answered badly, went away or was too slow. */
    BACKEND,
    /** snipool's own limits or state ended it (a connection cap, a body too large to replay). */
    PROXY
}
