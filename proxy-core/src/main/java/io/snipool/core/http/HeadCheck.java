package io.snipool.core.http;

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
     * @param status the response status: 400, 414, 431, 501 or 505
     * @param reason a short sentence for the response body and the log
     */
    record Invalid(int status, String reason) implements HeadCheck {
    }
}
