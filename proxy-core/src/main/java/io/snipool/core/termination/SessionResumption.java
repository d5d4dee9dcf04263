package io.snipool.core.termination;

import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.internal.tcnative.SSL;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;

/** Whether a finished handshake resumed an earlier session (a ticket) rather than making a new one. */
public final class SessionResumption {

    private SessionResumption() {
    }

    /**
     * @param startMillis wall-clock time before the engine read the ClientHello
     */
    public static boolean resumed(SSLEngine engine, SSLSession session, long startMillis) {
        if (engine instanceof ReferenceCountedOpenSslEngine openSsl) {
            // OpenSSL keeps session times in whole seconds: only its own flag tells.
            return SSL.isSessionReused(openSsl.sslPointer());
        }
        // The JDK makes a new session while reading the hello, and a resumed one keeps its first creation time.
        return session.getCreationTime() < startMillis;
    }
}
