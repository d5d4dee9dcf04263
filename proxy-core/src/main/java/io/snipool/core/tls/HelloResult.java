package io.snipool.core.tls;

import java.util.Objects;

/**
 * The outcome of reading a client's first bytes: wait for more, route the parsed hello, or reject.
 */
public sealed interface HelloResult permits HelloResult.NeedMore, HelloResult.Done, HelloResult.Invalid {

    /** The bytes so far are a valid prefix of a ClientHello; read more and call again with everything received. */
    record NeedMore() implements HelloResult {
        /** The only value needed: the record has no state. */
        public static final NeedMore INSTANCE = new NeedMore();
    }

    /**
     * The ClientHello is complete and valid.
     *
     * @param hello    what was extracted from it
     * @param consumed bytes, from the buffer's reader index, of the TLS records that carried the hello. The proxy
     *                 still forwards every buffered byte untouched, including any beyond {@code consumed}: the
     *                 backend's TLS stack judges them.
     */
    record Done(ClientHelloInfo hello, int consumed) implements HelloResult {
        public Done {
            Objects.requireNonNull(hello, "hello");
            if (consumed <= 0) {
                throw new IllegalArgumentException("consumed must be positive, got " + consumed);
            }
        }
    }

    /**
     * The bytes cannot be a ClientHello this proxy will route; see {@link HelloRejection} for the policy per case.
     *
     * @param reason bounded reason, usable as a metric label
     * @param detail human-readable specifics for the log, e.g. "limit 65536, got 70000"
     */
    record Invalid(HelloRejection reason, String detail) implements HelloResult {
        public Invalid {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(detail, "detail");
        }
    }
}
