package io.snipool.core.http;

import io.snipool.core.failure.FailureKind;

/** What {@link RequestHeadGuard} concluded about the bytes of a request head so far. */
public sealed interface HeadCheck {

    /** The head is not complete yet and nothing in it is wrong so far. */
    record NeedMore() implements HeadCheck {
        static final NeedMore INSTANCE = new NeedMore();
    }

    /**
     * The head is complete and well-formed.
     *
     * @param length bytes of the head, from its first byte to the blank line's LF inclusive
     */
    record Valid(int length) implements HeadCheck {
    }

    /**
     * The head is refused.
     *
     * @param kind   what is wrong: {@link FailureKind#BAD_REQUEST}, {@code URI_TOO_LONG}, {@code HEAD_TOO_LARGE},
     *               {@code NOT_IMPLEMENTED} or {@code VERSION_NOT_SUPPORTED}
     * @param reason a short sentence for the response body and the log
     */
    record Invalid(FailureKind kind, String reason) implements HeadCheck {
        /** The status the request is answered with. */
        public int status() {
            return kind.status();
        }
    }
}
