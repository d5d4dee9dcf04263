package io.snipool.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@code listeners[].http2}: h2c with prior knowledge on http listeners, off by default, refused on tls ones. */
class Http2ListenerConfigTest {

    private static final String ROUTE = "      - { hosts: [a.test], backends: [\"127.0.0.1:9000\"] }\n";

    @Test
    void offByDefault() throws Exception {
        ListenerConfig listener = HttpListenerYaml.parse(HttpListenerYaml.http("", ROUTE)).listeners().get(0);
        assertThat(listener.http2()).isEqualTo(ListenerConfig.Http2.OFF);
    }

    @Test
    void priorKnowledgeOnAnHttpListener() throws Exception {
        String yaml = HttpListenerYaml.http("", ROUTE).replace("mode: http", "mode: http\n    http2: prior_knowledge");
        assertThat(HttpListenerYaml.parse(yaml).listeners().get(0).http2())
                .isEqualTo(ListenerConfig.Http2.PRIOR_KNOWLEDGE);
    }

    @Test
    void unknownValueIsRefusedWithTheChoices() {
        String yaml = HttpListenerYaml.http("", ROUTE).replace("mode: http", "mode: http\n    http2: upgrade");
        assertThat(HttpListenerYaml.problems(yaml)).singleElement().asString()
                .contains("listeners[0].http2").contains("expected one of off, prior_knowledge; got 'upgrade'");
    }

    @Test
    void refusedOnATlsListenerWhichNegotiatesWithAlpn() {
        String yaml = HttpListenerYaml.http("", ROUTE).replace("mode: http", "mode: tls\n    http2: prior_knowledge");
        assertThat(HttpListenerYaml.problems(yaml)).singleElement().asString()
                .contains("listeners[0].http2").contains("http2 applies only to http listeners");
    }
}
