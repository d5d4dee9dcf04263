package io.snipool.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The frames of an HTTP/2 stream to HttpObjects and back (RFC 9113 §8.1-§8.3), on both ends: what an exchange reads
 * and what goes on the wire.
 */
class H2ObjectCodecTest {

    /** The codec, and behind it a handler keeping what it hands on and what it reports failed. */
    private static final class Stream {
        final EmbeddedChannel channel;
        final List<Throwable> errors = new ArrayList<>();

        Stream(H2ObjectCodec.Side side) {
            channel = new EmbeddedChannel(new H2ObjectCodec(side), new ChannelInboundHandlerAdapter() {
                @Override
                public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                    errors.add(cause);
                }
            });
        }
    }

    private static Http2Headers request(String method, String path, String... fields) {
        Http2Headers headers = new DefaultHttp2Headers().method(method).path(path).scheme("https");
        for (int i = 0; i < fields.length; i += 2) {
            headers.add(fields[i], fields[i + 1]);
        }
        return headers;
    }

    private static List<String> names(Http2Headers headers) {
        List<String> names = new ArrayList<>();
        headers.forEach(field -> names.add(field.getKey().toString()));
        return names;
    }

    @Test
    void aRequestInOneHeadersFrameIsAWholeRequestWithHostFirstAndItsCookiesJoined() {
        Stream stream = new Stream(H2ObjectCodec.Side.SERVER);
        Http2Headers fields = request("GET", "/a?b=c", ":authority", "a.test:8443", "cookie", "x=1", "accept", "*/*",
                "cookie", "y=2", "host", "A.TEST:8443", "trailer", "grpc-status");

        stream.channel.writeInbound(new DefaultHttp2HeadersFrame(fields, true));

        FullHttpRequest request = stream.channel.readInbound();
        assertThat(request.method().name()).isEqualTo("GET");
        assertThat(request.uri()).isEqualTo("/a?b=c");
        assertThat(request.protocolVersion()).isEqualTo(HttpVersion.HTTP_1_1);
        assertThat(request.headers().getAll("Host")).as(":authority first, then the client's own host")
                .containsExactly("a.test:8443", "A.TEST:8443");
        assertThat(request.headers().getAll("Cookie")).containsExactly("x=1; y=2");
        assertThat(request.headers().get("Accept")).isEqualTo("*/*");
        assertThat(request.headers().names()).as("no pseudo-header, no x-http2-* field, no trailer")
                .allMatch(name -> !name.startsWith(":") && !name.startsWith("x-http2-")).doesNotContain("trailer");
        assertThat(request.content().readableBytes()).isZero();
        assertThat(request.headers().contains("Transfer-Encoding")).isFalse();
        request.release();
        assertThat(stream.errors).isEmpty();
    }

    @Test
    void aRequestWhoseBodyFollowsIsChunkedUnlessItHasALength() {
        Stream stream = new Stream(H2ObjectCodec.Side.SERVER);

        stream.channel.writeInbound(new DefaultHttp2HeadersFrame(request("POST", "/up"), false));
        stream.channel.writeInbound(new DefaultHttp2HeadersFrame(request("POST", "/up", "content-length", "3"),
                false));

        HttpRequest unsized = stream.channel.readInbound();
        assertThat(unsized).isNotInstanceOf(FullHttpRequest.class);
        assertThat(unsized.headers().get("Transfer-Encoding")).isEqualTo("chunked");
        HttpRequest sized = stream.channel.readInbound();
        assertThat(sized.headers().contains("Transfer-Encoding")).isFalse();
        assertThat(sized.headers().get("Content-Length")).isEqualTo("3");
    }

    @Test
    void anAuthorityAndAHostThatDifferAreAStreamErrorAndNothingIsHandedOn() {
        Stream stream = new Stream(H2ObjectCodec.Side.SERVER);

        stream.channel.writeInbound(new DefaultHttp2HeadersFrame(request("GET", "/", ":authority", "a.test",
                "host", "b.test"), true));

        assertThat((Object) stream.channel.readInbound()).isNull();
        assertThat(stream.errors).singleElement().isInstanceOfSatisfying(Http2Exception.class, error -> {
            assertThat(error.error()).isEqualTo(Http2Error.PROTOCOL_ERROR);
            assertThat(error.getMessage()).contains("authority");
        });
    }

    @Test
    void trailersEndTheBodyAndMayHoldNoPseudoHeaderField() {
        Stream stream = new Stream(H2ObjectCodec.Side.SERVER);
        Http2Headers trailers = new DefaultHttp2Headers().add("grpc-status", "0");

        stream.channel.writeInbound(new DefaultHttp2HeadersFrame(trailers, true));
        stream.channel.writeInbound(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().add("x", "1")
                .path("/sneaked"), true));

        LastHttpContent end = stream.channel.readInbound();
        assertThat(end.content().readableBytes()).isZero();
        assertThat(end.trailingHeaders().get("grpc-status")).isEqualTo("0");
        assertThat((Object) stream.channel.readInbound()).isNull();
        assertThat(stream.errors).singleElement().isInstanceOf(Http2Exception.class);
    }

    @Test
    void dataFramesBecomeContentHoldingTheSameBytes() {
        Stream stream = new Stream(H2ObjectCodec.Side.SERVER);
        ByteBuf first = Unpooled.copiedBuffer("abc", StandardCharsets.US_ASCII);
        ByteBuf last = Unpooled.copiedBuffer("de", StandardCharsets.US_ASCII);

        stream.channel.writeInbound(new DefaultHttp2DataFrame(first, false), new DefaultHttp2DataFrame(last, true));

        HttpContent part = stream.channel.readInbound();
        assertThat(part).isNotInstanceOf(LastHttpContent.class);
        assertThat(part.content()).isSameAs(first);
        assertThat(first.refCnt()).as("the content's reference passed on, none added").isEqualTo(1);
        LastHttpContent end = stream.channel.readInbound();
        assertThat(end.content()).isSameAs(last);
        assertThat(end.trailingHeaders().isEmpty()).isTrue();
        part.release();
        end.release();
    }

    @Test
    void aBackendsResponseHeadBecomesAResponseAndA101IsRefused() {
        Stream stream = new Stream(H2ObjectCodec.Side.CLIENT);

        stream.channel.writeInbound(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")
                .add("content-type", "text/plain").add("x-http2-stream-id", "3"), true));
        stream.channel.writeInbound(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("100"), false));
        stream.channel.writeInbound(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("204"), false));
        stream.channel.writeInbound(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("101"), true));

        FullHttpResponse whole = stream.channel.readInbound();
        assertThat(whole.status().code()).isEqualTo(200);
        assertThat(whole.headers().get("Content-Type")).isEqualTo("text/plain");
        assertThat(whole.headers().names()).noneMatch(name -> name.startsWith(":"));
        FullHttpResponse interim = stream.channel.readInbound();
        assertThat(interim.status().code()).as("100 Continue is a whole message without END_STREAM").isEqualTo(100);
        HttpResponse head = stream.channel.readInbound();
        assertThat(head).isNotInstanceOf(FullHttpResponse.class);
        assertThat(head.status().code()).isEqualTo(204);
        assertThat((Object) stream.channel.readInbound()).isNull();
        assertThat(stream.errors).singleElement().isInstanceOfSatisfying(Http2Exception.class,
                error -> assertThat(error.getMessage()).contains("101"));
    }

    @Test
    void aResponseHeadGoesLowerCasedWithoutConnectionSpecificFields() {
        Stream stream = new Stream(H2ObjectCodec.Side.SERVER);
        HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        response.headers().add("Content-Type", "text/plain").add("Connection", "close, X-Hop")
                .add("X-Hop", "1").add("Keep-Alive", "timeout=5").add("Transfer-Encoding", "chunked")
                .add("Proxy-Connection", "keep-alive").add("Upgrade", "h2c").add("Host", "a.test")
                .add("TE", "gzip").add("x-http2-stream-id", "5").add("X-Http2-Custom", "kept")
                .add("Set-Cookie", "a=1").add("Set-Cookie", "b=2").add("Connection", "X-Second")
                .add("X-Second", "2");

        stream.channel.writeOutbound(response);

        Http2HeadersFrame frame = stream.channel.readOutbound();
        assertThat(frame.isEndStream()).isFalse();
        Http2Headers fields = frame.headers();
        assertThat(fields.status()).hasToString("200");
        assertThat(names(fields)).containsExactly(":status", "content-type", "x-http2-custom", "set-cookie",
                "set-cookie");
        assertThat(fields.getAll("set-cookie")).extracting(CharSequence::toString).containsExactly("a=1", "b=2");
    }

    @Test
    void teGoesOnlyAsTrailers() {
        Http2Headers kept = H2ObjectCodec.toHttp2(new DefaultHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.OK).headers().add("TE", "gzip, Trailers"), new DefaultHttp2Headers(), true);
        assertThat(kept.get("te")).hasToString("trailers");
        assertThat(H2ObjectCodec.listedIn(" close ,\tkeep-alive", "Keep-Alive")).isTrue();
        assertThat(H2ObjectCodec.listedIn("keep-alives", "keep-alive")).isFalse();
        assertThat(H2ObjectCodec.listedIn("", "close")).isFalse();
    }

    @Test
    void aBodylessResponseEndsTheStreamWithItsHeadAndAnInterimOneNever() {
        Stream stream = new Stream(H2ObjectCodec.Side.SERVER);

        stream.channel.writeOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.EARLY_HINTS));
        stream.channel.writeOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NO_CONTENT));

        Http2HeadersFrame interim = stream.channel.readOutbound();
        assertThat(interim.headers().status()).hasToString("103");
        assertThat(interim.isEndStream()).isFalse();
        Http2HeadersFrame whole = stream.channel.readOutbound();
        assertThat(whole.headers().status()).hasToString("204");
        assertThat(whole.isEndStream()).isTrue();
        assertThat((Object) stream.channel.readOutbound()).isNull();
    }

    @Test
    void aBodyGoesAsDataFramesAndItsTrailersAsTheLastHeadersFrame() {
        Stream stream = new Stream(H2ObjectCodec.Side.SERVER);
        ByteBuf part = Unpooled.copiedBuffer("abc", StandardCharsets.US_ASCII);
        LastHttpContent end = new DefaultLastHttpContent(Unpooled.copiedBuffer("de", StandardCharsets.US_ASCII));
        end.trailingHeaders().add("Grpc-Status", "0").add("Connection", "close");

        stream.channel.writeOutbound(new DefaultHttpContent(part), end, LastHttpContent.EMPTY_LAST_CONTENT);

        Http2DataFrame first = stream.channel.readOutbound();
        assertThat(first.content()).isSameAs(part);
        assertThat(first.isEndStream()).isFalse();
        Http2DataFrame second = stream.channel.readOutbound();
        assertThat(second.content().toString(StandardCharsets.US_ASCII)).isEqualTo("de");
        assertThat(second.isEndStream()).as("the trailers end the stream").isFalse();
        Http2HeadersFrame trailers = stream.channel.readOutbound();
        assertThat(trailers.isEndStream()).isTrue();
        assertThat(names(trailers.headers())).containsExactly("grpc-status");
        Http2DataFrame emptyEnd = stream.channel.readOutbound();
        assertThat(emptyEnd.content().readableBytes()).isZero();
        assertThat(emptyEnd.isEndStream()).isTrue();
        first.release();
        second.release();
    }
}
