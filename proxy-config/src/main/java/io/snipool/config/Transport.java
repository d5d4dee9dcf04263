package io.snipool.config;

/** The top-level {@code transport} key: which of Netty's socket transports the event loops run on. */
public enum Transport {
    /** The best native transport that loads on this machine, else NIO (with one log line saying why). */
    AUTO,
    /** Linux epoll; start-up fails if it cannot load. */
    EPOLL,
    /** Linux io_uring (kernel 5.14 or later); start-up fails if it cannot load. */
    IO_URING,
    /** The JDK's NIO selector: runs everywhere. */
    NIO;

    public static final Transport DEFAULT = AUTO;
}
