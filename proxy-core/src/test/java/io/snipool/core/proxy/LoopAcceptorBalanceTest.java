package io.snipool.core.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.EventLoop;
import io.snipool.core.testbed.Await;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.junit5.VertxExtension;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A loop that holds clearly more of a listener's connections than another hands new ones to it. The kernel's
 * spread is taken out of the test: only the first acceptor listens, the second has joined the siblings without a
 * socket, so every connection arrives on the first loop and only the hand-over can put any on the second.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class LoopAcceptorBalanceTest {

    private static final int CONNECTIONS = 40;

    private final Queue<EventLoop> servedOn = new ConcurrentLinkedQueue<>();
    private final List<Socket> clients = new ArrayList<>();
    private final AtomicInteger handedOver = new AtomicInteger();
    /** The acceptors' clock for {@link LoopAcceptor.Churn}: moved by the tests only. */
    private final AtomicLong nanos = new AtomicLong();
    private LoopAcceptor.Siblings siblings;
    private LoopAcceptor listening;
    private LoopAcceptor quiet;

    @BeforeEach
    void twoAcceptorsOnTwoLoops(Vertx vertx) {
        assumeTrue(vertx.isNativeTransportEnabled(), "SO_REUSEPORT needs a native transport");
        VertxInternal internal = (VertxInternal) vertx;
        ContextInternal first = internal.createEventLoopContext();
        ContextInternal second = internal.createEventLoopContext();
        assertThat(first.nettyEventLoop()).as("two different loops").isNotSameAs(second.nettyEventLoop());
        siblings = new LoopAcceptor.Siblings();
        listening = new LoopAcceptor(first, connection -> servedOn.add(connection.channel().eventLoop()), null,
                siblings, handedOver::incrementAndGet, nanos::get);
        quiet = new LoopAcceptor(second, connection -> servedOn.add(connection.channel().eventLoop()), null,
                siblings, () -> {
                    throw new AssertionError("the quiet loop accepts nothing, so hands nothing over");
                }, nanos::get);
        siblings.join(quiet);
    }

    @AfterEach
    void closeEverything() throws Exception {
        closeClients();
        if (listening != null) {
            Await.result(listening.shutdown(Duration.ZERO));
            Await.result(quiet.shutdown(Duration.ZERO));
        }
    }

    @Test
    void connectionsHeldOpenAreSpreadOverTheLoopsThoughOneLoopAcceptsThemAll() throws Exception {
        int port = Await.result(listening.listen("127.0.0.1", 0));

        Map<EventLoop, Long> served = open(port, CONNECTIONS);

        long onQuiet = served.getOrDefault(quietLoop(), 0L);
        long onListening = served.getOrDefault(listeningLoop(), 0L);
        assertThat(onListening + onQuiet).isEqualTo(CONNECTIONS);
        assertThat(handedOver).as("each hand-over told").hasValue((int) onQuiet);
        assertThat(onListening - onQuiet).as("within the slack of %s: %s", onListening, served)
                .isBetween(0L, (long) LoopAcceptor.Siblings.slack((int) onListening) + 1);
    }

    @Test
    void closedConnectionsLeaveTheLoadSoTheLoopKeepsItsNewOnesAgain() throws Exception {
        int port = Await.result(listening.listen("127.0.0.1", 0));
        open(port, CONNECTIONS);
        closeClients();
        Await.until("every connection's close counted", () -> listening.load() + quiet.load(), total -> total == 0);
        nanos.addAndGet(2 * LoopAcceptor.Churn.WINDOW_NANOS);
        servedOn.clear();

        Map<EventLoop, Long> served = open(port, LoopAcceptor.Siblings.slack(0) + 1);

        assertThat(served).as("no imbalance yet, so no hand-over").containsOnlyKeys(listeningLoop());
    }

    @Test
    void whileALoopAcceptsMoreThanTwiceWhatItHoldsItKeepsEveryNewOne() throws Exception {
        int port = Await.result(listening.listen("127.0.0.1", 0));
        int shortOnes = 2 * CONNECTIONS;
        for (int i = 0; i < shortOnes; i++) {
            open(port, 1);
            closeClients();
            Await.until("the close counted", listening::load, load -> load == 0);
        }
        assertThat(servedOn).as("one at a time: never uneven").hasSize(shortOnes).containsOnly(listeningLoop());
        servedOn.clear();

        Map<EventLoop, Long> served = open(port, CONNECTIONS - 1);

        assertThat(served).as("80 accepts this second, fewer than 40 open: short connections, kept where accepted")
                .containsOnlyKeys(listeningLoop());

        nanos.addAndGet(2 * LoopAcceptor.Churn.WINDOW_NANOS);
        open(port, 1);
        assertThat(handedOver).as("the accepts two seconds ago forgotten, the imbalance is evened").hasValue(1);
    }

    @Test
    void aBurstOfLongLivedConnectionsAfterShortOnesIsStillEvenedOut() throws Exception {
        int port = Await.result(listening.listen("127.0.0.1", 0));
        for (int i = 0; i < CONNECTIONS; i++) {
            open(port, 1);
            closeClients();
            Await.until("the close counted", listening::load, load -> load == 0);
        }
        nanos.addAndGet(LoopAcceptor.Churn.WINDOW_NANOS);
        servedOn.clear();

        Map<EventLoop, Long> served = open(port, CONNECTIONS);

        long onQuiet = served.getOrDefault(quietLoop(), 0L);
        assertThat(onQuiet).as("40 accepted the second before, then 40 held: evened out, %s", served)
                .isGreaterThanOrEqualTo(CONNECTIONS / 2 - LoopAcceptor.Siblings.slack(CONNECTIONS / 2));
    }

    @Test
    void churnCountsTheAcceptsOfThisSecondAndTheLast() {
        AtomicLong clock = new AtomicLong(5);
        LoopAcceptor.Churn churn = new LoopAcceptor.Churn(clock::get);
        for (int i = 0; i < 5; i++) {
            assertThat(churn.acceptedShortLived(i)).as("each still open").isFalse();
        }
        assertThat(churn.acceptedShortLived(2)).as("5 accepted, 2 open").isTrue();
        assertThat(churn.acceptedShortLived(3)).as("6 accepted, 3 open").isFalse();

        clock.addAndGet(LoopAcceptor.Churn.WINDOW_NANOS);
        assertThat(churn.acceptedShortLived(3)).as("the last second's 7 accepts still count").isTrue();
        clock.addAndGet(LoopAcceptor.Churn.WINDOW_NANOS);
        assertThat(churn.acceptedShortLived(0)).as("one accept the second before").isTrue();

        clock.addAndGet(2 * LoopAcceptor.Churn.WINDOW_NANOS);
        assertThat(churn.acceptedShortLived(0)).as("nothing accepted for two seconds").isFalse();
    }

    @Test
    void aLoopThatIsShuttingDownTakesNoConnections() throws Exception {
        int port = Await.result(listening.listen("127.0.0.1", 0));
        Await.result(quiet.shutdown(Duration.ZERO));

        Map<EventLoop, Long> served = open(port, CONNECTIONS / 2);

        assertThat(served).containsOnlyKeys(listeningLoop());
    }

    @Test
    void aLoopKeepsItsConnectionUnlessItExceedsTheLightestByMoreThanTheSlack() {
        assertThat(LoopAcceptor.Siblings.slack(0)).isEqualTo(2);
        assertThat(LoopAcceptor.Siblings.slack(24)).isEqualTo(5);
        assertThat(LoopAcceptor.Siblings.slack(800)).isEqualTo(102);
    }

    private EventLoop listeningLoop() {
        return listening.loop();
    }

    private EventLoop quietLoop() {
        return quiet.loop();
    }

    private void closeClients() throws Exception {
        for (Socket client : clients) {
            client.close();
        }
        clients.clear();
    }

    /** Opens {@code count} connections and holds them; how many each loop serves once all are served. */
    private Map<EventLoop, Long> open(int port, int count) throws Exception {
        for (int i = 0; i < count; i++) {
            int expected = servedOn.size() + 1;
            clients.add(new Socket(InetAddress.getLoopbackAddress(), port));
            // One at a time, as a loop sees them: each is counted before the next is accepted.
            Await.until("connection served", servedOn::size, size -> size >= expected);
        }
        return servedOn.stream().collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
    }
}
