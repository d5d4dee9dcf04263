package io.snipool.core.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.snipool.core.http.HeadCheck;
import io.snipool.core.http.RequestHeadGuard;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The price of snipool's strict request-head check, beside the parse it guards. On the same request bytes:
 * {@code guard} is {@link RequestHeadGuard#check} alone; {@code netty} is Netty's {@link HttpRequestDecoder} in
 * the configuration snipool gives it (the one in {@code StrictRequestDecoder}, package-private, repeated here)
 * decoding the head in an {@link EmbeddedChannel}; {@code guardThenNetty} is both, which is what snipool does per
 * request. {@code bench/jmh.sh} prints guardThenNetty ÷ netty: the cost of the extra strictness as a ratio. Each on
 * a heap buffer wrapping the bytes, and on a pooled direct buffer, which is what a listener's reads deliver.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class RequestHeadBenchmark {

    /** As snipool's defaults: limits.max_request_head_bytes 64 KiB, limits.max_headers 100. */
    private static final int MAX_HEAD_BYTES = 64 * 1024;
    private static final int MAX_HEADERS = 100;

    private static final String CURL = "GET /index.html HTTP/1.1\r\n"
            + "Host: app.example.test\r\n"
            + "User-Agent: curl/7.88.1\r\n"
            + "Accept: */*\r\n"
            + "\r\n";

    private static final String BROWSER = "GET /products/list?category=shoes&sort=price&page=2 HTTP/1.1\r\n"
            + "Host: shop.example.test\r\n"
            + "Connection: keep-alive\r\n"
            + "sec-ch-ua: \"Chromium\";v=\"124\", \"Google Chrome\";v=\"124\", \"Not-A.Brand\";v=\"99\"\r\n"
            + "sec-ch-ua-mobile: ?0\r\n"
            + "sec-ch-ua-platform: \"Linux\"\r\n"
            + "Upgrade-Insecure-Requests: 1\r\n"
            + "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            + "Chrome/124.0.0.0 Safari/537.36\r\n"
            + "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
            + "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7\r\n"
            + "Sec-Fetch-Site: same-origin\r\n"
            + "Sec-Fetch-Mode: navigate\r\n"
            + "Sec-Fetch-User: ?1\r\n"
            + "Sec-Fetch-Dest: document\r\n"
            + "Referer: https://shop.example.test/products/list?category=shoes&sort=price&page=1\r\n"
            + "Accept-Encoding: gzip, deflate, br, zstd\r\n"
            + "Accept-Language: en-GB,en;q=0.9,de;q=0.8\r\n"
            + "Cookie: session=3f1c2a9e8b7d6c5f4e3d2c1b0a9f8e7d; cart=item-1234%2Citem-5678; consent=analytics%3D0;"
            + " theme=dark; _ga=GA1.1.1234567890.1700000000\r\n"
            + "\r\n";

    /** {@code curl}: 4 lines, about 80 bytes; {@code browser}: a Chrome navigation, 17 fields, about 1 KiB. */
    @Param({"curl", "browser"})
    public String request;

    /** {@code heap}: the bytes wrapped; {@code direct}: copied into a pooled direct buffer, as a socket read fills. */
    @Param({"heap", "direct"})
    public String buffer;

    private byte[] bytes;
    private ByteBuf head;
    private RequestHeadGuard guard;
    private EmbeddedChannel channel;

    @Setup
    public void setUp() {
        bytes = (request.equals("curl") ? CURL : BROWSER).getBytes(StandardCharsets.US_ASCII);
        head = received();
        guard = new RequestHeadGuard(MAX_HEAD_BYTES, MAX_HEADERS);
        channel = new EmbeddedChannel(new HttpRequestDecoder(new HttpDecoderConfig()
                .setMaxInitialLineLength(MAX_HEAD_BYTES)
                .setMaxHeaderSize(MAX_HEAD_BYTES)
                .setMaxChunkSize(64 * 1024)
                .setStrictLineParsing(true)
                .setAllowDuplicateContentLengths(false)
                .setAllowPartialChunks(true)
                .setValidateHeaders(false)
                .setUseRfc9112TransferEncoding(true)));
        // Both must accept the head, or the comparison is between a parse and a refusal.
        if (!(guard() instanceof HeadCheck.Valid valid) || valid.length() != bytes.length) {
            throw new IllegalStateException("the guard refused the " + request + " head: " + guard());
        }
        channel.writeInbound(received());
        Object first = channel.readInbound();
        Object second = channel.readInbound();
        boolean decoded = first instanceof HttpRequest parsed && parsed.decoderResult().isSuccess()
                && second instanceof LastHttpContent;
        ReferenceCountUtil.release(first);
        ReferenceCountUtil.release(second);
        if (!decoded) {
            throw new IllegalStateException("Netty did not decode the " + request + " head: " + first);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        channel.finishAndReleaseAll();
        head.release();
    }

    @Benchmark
    public HeadCheck guard() {
        guard.reset();
        return guard.check(head);
    }

    @Benchmark
    public int netty() {
        channel.writeInbound(received());
        return drain();
    }

    @Benchmark
    public int guardThenNetty() {
        ByteBuf received = received();
        guard.reset();
        if (!(guard.check(received) instanceof HeadCheck.Valid)) {
            throw new IllegalStateException("refused");
        }
        channel.writeInbound(received);
        return drain();
    }

    /** A new buffer holding the head, as a read hands it to the decoder (which releases it). */
    private ByteBuf received() {
        if (buffer.equals("heap")) {
            return Unpooled.wrappedBuffer(bytes);
        }
        return PooledByteBufAllocator.DEFAULT.directBuffer(bytes.length).writeBytes(bytes);
    }

    /** Takes the request and its (empty) last content off the channel, as the next handler would. */
    private int drain() {
        int messages = 0;
        for (Object message; (message = channel.readInbound()) != null; messages++) {
            ReferenceCountUtil.release(message);
        }
        return messages;
    }
}
