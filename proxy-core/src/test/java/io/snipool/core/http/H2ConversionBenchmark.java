package io.snipool.core.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 * The four conversions of one h2-to-h2c exchange (issue 13), Netty's against {@link H2ObjectCodec}: the client's
 * HEADERS to a request, the request to the backend's HEADERS, the backend's HEADERS and DATA to a response, the
 * response to the client's HEADERS and DATA. {@code netty} is the path before: {@code Http2StreamFrameToHttpObjectCodec}
 * on both streams and the request's fields made with {@code HttpConversionUtil} (as {@code H2RequestHead} did, copied
 * here); {@code snipool} is {@code H2ObjectCodec} and {@link H2RequestHead#headers}. The fields are h2load's request
 * and nginx's response of bench/lib/h2.py. Each in an {@link EmbeddedChannel}, whose own cost both carry. In this
 * package, not {@code io.snipool.core.bench}, because the codec is package-private: {@code bench/jmh.sh
 * H2Conversion}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class H2ConversionBenchmark {

    private static final AsciiString HTTP = AsciiString.cached("http");
    private static final byte[] BODY = "hello from the backend\n".getBytes(StandardCharsets.US_ASCII);

    @Param({"netty", "snipool"})
    public String codec;

    private EmbeddedChannel clientStream;
    private EmbeddedChannel backendStream;

    @Setup
    public void setUp() {
        boolean netty = codec.equals("netty");
        clientStream = new EmbeddedChannel(netty ? new Http2StreamFrameToHttpObjectCodec(true, true)
                : new H2ObjectCodec(H2ObjectCodec.Side.SERVER));
        backendStream = new EmbeddedChannel(netty ? new Http2StreamFrameToHttpObjectCodec(false)
                : new H2ObjectCodec(H2ObjectCodec.Side.CLIENT));
        // The path measured is the intended one: the backend's fields carry the authority and no x-http2-* field,
        // and the client gets the status as HEADERS and then the body.
        Http2Headers toBackend = netty ? nettyRequestHeaders(forwardedRequest(), HTTP)
                : H2RequestHead.headers(forwardedRequest(), HTTP);
        if (!"h2.bench.test".contentEquals(toBackend.authority()) || toBackend.names().stream()
                .anyMatch(name -> name.toString().startsWith("x-http2-"))) {
            throw new IllegalStateException("unexpected backend fields: " + toBackend);
        }
        if (!(((Integer) exchange()) > 0) || clientStream.readOutbound() != null) {
            throw new IllegalStateException("an exchange left frames behind");
        }
    }

    private HttpRequest forwardedRequest() {
        clientStream.writeInbound(new DefaultHttp2HeadersFrame(clientRequest(), true));
        HttpRequest request = clientStream.readInbound();
        ForwardingHeaders.removeHttp2Extensions(request.headers());
        ReferenceCountUtil.release(request);
        HttpRequest forwarded = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
        forwarded.headers().add(request.headers());
        forwarded.headers().add("X-Forwarded-For", "127.0.0.1").add("X-Forwarded-Proto", "https");
        return forwarded;
    }

    private static Http2Headers clientRequest() {
        return new DefaultHttp2Headers().method("GET").path("/").scheme("https").authority("h2.bench.test")
                .add("user-agent", "h2load nghttp2/1.52.0");
    }

    private static Http2Headers backendResponse() {
        return new DefaultHttp2Headers().status("200").add("server", "nginx/1.22.1")
                .add("date", "Fri, 04 Dec 2026 19:30:00 GMT").add("content-type", "application/octet-stream")
                .add("content-length", "23");
    }

    /** One exchange's conversions; returns what the last one wrote, so that none is optimised away. */
    @Benchmark
    public Object exchange() {
        boolean netty = codec.equals("netty");
        HttpRequest forwarded = forwardedRequest();
        Http2Headers toBackend = netty ? nettyRequestHeaders(forwarded, HTTP) : H2RequestHead.headers(forwarded, HTTP);

        backendStream.writeInbound(new DefaultHttp2HeadersFrame(backendResponse(), false));
        backendStream.writeInbound(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(BODY), true));
        HttpResponse response = backendStream.readInbound();
        Object end = backendStream.readInbound();
        ForwardingHeaders.removeHttp2Extensions(response.headers());
        HttpResponse toClient = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                response.headers());
        clientStream.writeOutbound(toClient, new DefaultLastHttpContent(((DefaultLastHttpContent) end).content()));
        Http2HeadersFrame headers = clientStream.readOutbound();
        Http2DataFrame data = clientStream.readOutbound();
        int bodyBytes = data.content().readableBytes();
        data.release();
        return toBackend.size() + headers.headers().size() + bodyBytes;
    }

    /** H2RequestHead.headers as it was before H2ObjectCodec: Netty's conversion, then a pass for x-http2-*. */
    private static Http2Headers nettyRequestHeaders(HttpRequest request, AsciiString scheme) {
        Http2Headers out = new DefaultHttp2Headers();
        out.method(AsciiString.of(request.method().name()));
        out.path(request.uri());
        out.scheme(scheme);
        String host = request.headers().get(HttpHeaderNames.HOST);
        if (host != null && !host.isEmpty()) {
            out.authority(host);
        }
        HttpConversionUtil.toHttp2Headers(request.headers(), out);
        List<CharSequence> extensions = new ArrayList<>(0);
        for (Map.Entry<CharSequence, CharSequence> field : out) {
            if (AsciiString.of(field.getKey()).startsWith("x-http2-")) {
                extensions.add(field.getKey());
            }
        }
        extensions.forEach(out::remove);
        return out;
    }
}
