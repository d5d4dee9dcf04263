package io.snipool.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RequestIdsTest {

    @Test
    void aWellFormedIdIsVisibleAsciiWithoutQuotesUpToTheLimit() {
        assertThat(RequestIds.wellFormed("a")).isTrue();
        assertThat(RequestIds.wellFormed("0af7651916cd43dd8448eb211c80319c")).isTrue();
        assertThat(RequestIds.wellFormed("trace:42/a.b-c_d=e+f")).isTrue();
        assertThat(RequestIds.wellFormed("x".repeat(RequestIds.MAX_LENGTH))).isTrue();

        assertThat(RequestIds.wellFormed("")).isFalse();
        assertThat(RequestIds.wellFormed("x".repeat(RequestIds.MAX_LENGTH + 1))).isFalse();
        for (String bad : new String[] {"a b", "a\tb", "\"a\"", "'a'", "a\\b", "a\u007fb", "caf\u00e9", "a\u0001"}) {
            assertThat(RequestIds.wellFormed(bad)).as(bad).isFalse();
        }
    }

    @Test
    void aNewIdIsThePrefixThenTheCounterInHex() {
        RequestIds ids = new RequestIds(0x0123456789abcdefL);
        HttpHeaders first = DefaultHttpHeadersFactory.headersFactory().newHeaders();
        HttpHeaders second = DefaultHttpHeadersFactory.headersFactory().newHeaders().add("X-Request-Id", "a b");

        assertThat(ids.idFor(first)).hasToString("0123456789abcdef0000000000000000");
        assertThat(ids.idFor(second)).hasToString("0123456789abcdef0000000000000001");
        assertThat(first.getAll("x-request-id")).containsExactly("0123456789abcdef0000000000000000");
        assertThat(second.getAll("x-request-id")).as("replaced, not added").containsExactly(
                "0123456789abcdef0000000000000001");
    }

    @Test
    void aClientIdIsKeptOnlyWhenItIsTheOnlyOne() {
        RequestIds ids = new RequestIds(0);
        HttpHeaders one = DefaultHttpHeadersFactory.headersFactory().newHeaders().add("x-request-id", "abc");
        HttpHeaders two = DefaultHttpHeadersFactory.headersFactory().newHeaders().add("X-Request-Id", "abc")
                .add("X-Request-Id", "def");

        assertThat(ids.idFor(one)).hasToString("abc");
        assertThat(ids.idFor(two)).hasToString("00000000000000000000000000000000");
        assertThat(two.getAll("x-request-id")).containsExactly("00000000000000000000000000000000");
    }

    @Test
    void twoInstancesDoNotRepeatEachOther() {
        RequestIds a = new RequestIds();
        RequestIds b = new RequestIds();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            seen.add(a.idFor(DefaultHttpHeadersFactory.headersFactory().newHeaders()).toString());
            seen.add(b.idFor(DefaultHttpHeadersFactory.headersFactory().newHeaders()).toString());
        }
        assertThat(seen).hasSize(2000);
    }
}
