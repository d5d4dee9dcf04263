package io.snipool.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Host and absolute-form parsing (RFC 9112 §3.2, RFC 3986 §3.2). */
class HostAuthorityTest {

    @ParameterizedTest(name = "Host ''{0}'' routes as ''{1}''")
    @CsvSource(delimiter = '|', nullValues = "null", value = {
        "a.test|a.test",
        "A.Test.|a.test",
        "a.test:8080|a.test",
        "a.test:|a.test",
        "under_score.test|under_score.test",
        "192.0.2.7|192.0.2.7",
        "192.0.2.7:80|192.0.2.7",
        "[::1]|::1",
        "[2001:DB8::1]:8443|2001:db8::1",
        "''|''",
        "a.test:99999x|null",
        "a.test:123456|null",
        "a.test:-1|null",
        "a b.test|null",
        "a..test|null",
        "-a.test|null",
        "[::1|null",
        "[::1]x|null",
        "[::1]:x|null",
        "[not-v6]:80|null",
        "::1|null",
        "user@a.test|null",
    })
    void hostOf(String authority, String host) {
        assertThat(HostAuthority.hostOf(authority)).isEqualTo(host);
    }

    @ParameterizedTest(name = "target ''{0}'' has authority ''{1}''")
    @CsvSource(delimiter = '|', nullValues = "null", value = {
        "http://a.test/x|a.test",
        "HTTP://a.test:8080?q|a.test:8080",
        "https://a.test|a.test",
        "http://a.test#frag|a.test",
        "http://[::1]:80/|[::1]:80",
        "http:///x|''",
        "http://user@a.test/|null",
        "ftp://a.test/|null",
        "/x|null",
        "/http://a.test/|null",
        "*|null",
        "a.test:443|null",
        "://a.test|null",
    })
    void authorityOfAbsoluteForm(String target, String authority) {
        assertThat(HostAuthority.authorityOfAbsoluteForm(target)).isEqualTo(authority);
    }

    @ParameterizedTest(name = "''{0}'' is sent as ''{1}''")
    @CsvSource(delimiter = '|', value = {
        "http://a.test|/",
        "http://a.test/|/",
        "http://a.test?q=1|/?q=1",
        "http://a.test:80/x/y?z=1#frag|/x/y?z=1",
        "https://a.test#frag|/",
        "http://[::1]:8080/p|/p",
    })
    void originForm(String target, String origin) {
        assertThat(HostAuthority.originForm(target)).isEqualTo(origin);
    }
}
