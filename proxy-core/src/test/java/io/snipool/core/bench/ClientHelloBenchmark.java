package io.snipool.core.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.snipool.core.tls.ClientHelloReader;
import io.snipool.core.tls.HelloResult;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a TLS listener spends on a ClientHello before it can route: frame the records and parse the hello, with a
 * new {@link ClientHelloReader} per connection as in production. Hellos from real clients, including the
 * post-quantum one that spans two TCP segments; {@code splitInTwoReads} feeds the first half, then everything,
 * as when the hello arrives in two reads.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class ClientHelloBenchmark {

    @Param({"jdk-tls13", "jdk-tls12", "bouncycastle-pq", "curl-openssl3"})
    public String hello;

    private ByteBuf whole;
    private ByteBuf firstHalf;

    @Setup
    public void setUp() {
        RealHelloRecords.Hello real = RealHelloRecords.records(hello);
        byte[] records = real.records();
        whole = Unpooled.wrappedBuffer(records);
        firstHalf = Unpooled.wrappedBuffer(records, 0, records.length / 2);
        // Benchmark the path that routes, not a rejection.
        for (HelloResult result : new HelloResult[] {wholeHello(), splitInTwoReads()}) {
            if (!(result instanceof HelloResult.Done done)
                    || !done.hello().serverName().equals(Optional.of(real.serverName()))) {
                throw new IllegalStateException(hello + ": expected a routable hello for " + real.serverName()
                        + ", got " + result);
            }
        }
    }

    /** The reader moves no index, so the same buffer serves every invocation. */
    @Benchmark
    public HelloResult wholeHello() {
        return new ClientHelloReader().read(whole);
    }

    @Benchmark
    public HelloResult splitInTwoReads() {
        ClientHelloReader reader = new ClientHelloReader();
        reader.read(firstHalf);
        return reader.read(whole);
    }
}
