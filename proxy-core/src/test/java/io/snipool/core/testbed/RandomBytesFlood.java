package io.snipool.core.testbed;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A thousand connections that each send 1 to 512 random bytes and must each be closed by the proxy, while one client
 * keeps doing good work until the last of them is closed, and at least once: garbage must neither reach a backend nor
 * stall the traffic beside it. Connection {@code i}'s bytes come from {@code new Random(i)}, so a failure replays.
 */
public final class RandomBytesFlood {

    /** Hostile connections per flood. */
    public static final int CONNECTIONS = 1_000;

    private static final int MAX_BYTES = 512;
    private static final int CLIENT_THREADS = 8;
    private static final long WAIT_SECONDS = 30;

    /** One piece of good work (a tunnel, a few exchanges) that fails the flood if it goes wrong. */
    @FunctionalInterface
    public interface GoodWork {
        /**
         * @param doneBefore units done before this call, for naming requests apart
         * @return units done by this call
         */
        int doSome(int doneBefore) throws Exception;
    }

    private RandomBytesFlood() {
    }

    /** Floods {@code port} while {@code good} runs; returns the units of good work done meanwhile. */
    public static int run(int port, GoodWork good) throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(CLIENT_THREADS);
        try {
            AtomicBoolean hostileDone = new AtomicBoolean();
            Future<Integer> goodDone = clients.submit(() -> {
                int done = 0;
                while (!hostileDone.get() || done == 0) {
                    done += good.doSome(done);
                }
                return done;
            });
            List<Future<Boolean>> hostile = new ArrayList<>();
            for (int i = 0; i < CONNECTIONS; i++) {
                Random random = new Random(i);
                byte[] bytes = new byte[1 + random.nextInt(MAX_BYTES)];
                random.nextBytes(bytes);
                hostile.add(clients.submit(() -> RawClient.closedAfterSending(port, bytes)));
            }
            for (Future<Boolean> connection : hostile) {
                assertThat(connection.get(WAIT_SECONDS, TimeUnit.SECONDS)).as("closed by the proxy").isTrue();
            }
            hostileDone.set(true);
            return goodDone.get(WAIT_SECONDS, TimeUnit.SECONDS);
        } finally {
            clients.shutdownNow();
        }
    }
}
