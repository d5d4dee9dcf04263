package io.snipool.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KnownHeaderNamesTest {

    @Test
    void theUsualAndTheLowerCaseSpellingAreSharedWhereverTheyStand() {
        byte[] bytes = "xxContent-Lengthcontent-length".getBytes(StandardCharsets.US_ASCII);
        AsciiString usual = KnownHeaderNames.find(bytes, 2, 14);
        AsciiString lower = KnownHeaderNames.find(bytes, 16, 14);

        assertThat((Object) usual).hasToString("Content-Length");
        assertThat((Object) lower).hasToString("content-length");
        assertThat((Object) KnownHeaderNames.find("Content-Length".getBytes(StandardCharsets.US_ASCII), 0, 14)).isSameAs(usual);
    }

    @Test
    void anyOtherSpellingOrNameIsNotKnown() {
        assertThat((Object) find("Content-length")).isNull();
        assertThat((Object) find("CONTENT-LENGTH")).isNull();
        assertThat((Object) find("X-Custom")).isNull();
        assertThat((Object) find("")).isNull();
        assertThat((Object) find("A-Name-Longer-Than-Any-Known-Name-At-All")).isNull();
    }

    @Test
    void theResponseDecoderForwardsEveryNameAndTheStatusLineAsTheyArrived() {
        assertThat(decode("HTTP/1.1 200 OK\r\nDate: d\r\ncontent-type: t\r\nContent-LENGTH: 2\r\nX-Own: o\r\n\r\nhi"))
                .containsExactly("HTTP/1.1 200 OK", "Date", "content-type", "Content-LENGTH", "X-Own");
        assertThat(decode("HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n"))
                .containsExactly("HTTP/1.0 404 Not Found", "Content-Length");
        assertThat(decode("HTTP/1.1 200 Fine\r\nContent-Length: 0\r\n\r\n"))
                .containsExactly("HTTP/1.1 200 Fine", "Content-Length");
    }

    private static AsciiString find(String name) {
        return KnownHeaderNames.find(name.getBytes(StandardCharsets.US_ASCII), 0, name.length());
    }

    /** The status line, then the field names in order, of the one response {@code wire} holds. */
    private static List<String> decode(String wire) {
        StrictResponseDecoder decoder = new StrictResponseDecoder(8192, () -> { });
        EmbeddedChannel channel = new EmbeddedChannel(decoder);
        decoder.expectResponse(false);
        channel.writeInbound(Unpooled.copiedBuffer(wire, StandardCharsets.US_ASCII));
        HttpResponse response = channel.readInbound();
        List<String> seen = new ArrayList<>();
        HttpVersion version = response.protocolVersion();
        HttpResponseStatus status = response.status();
        seen.add(version.text() + " " + status.code() + " " + status.reasonPhrase());
        for (Map.Entry<String, String> field : response.headers()) {
            seen.add(field.getKey());
        }
        Object last = channel.readInbound();
        assertThat(last).isInstanceOf(LastHttpContent.class);
        ((LastHttpContent) last).release();
        channel.finishAndReleaseAll();
        return seen;
    }
}
