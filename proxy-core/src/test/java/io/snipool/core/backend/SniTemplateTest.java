package io.snipool.core.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The {@code sni} of {@code backend_tls}: a fixed name, or a template expanded per request like a backend host. */
class SniTemplateTest {

    private static SniTemplate.Expansion expand(String template, Map<String, String> variables) {
        return SniTemplate.parse(template).expand(variables);
    }

    @Test
    void aLiteralNameIsFixedAndNormalized() {
        SniTemplate sni = SniTemplate.parse("Backend.Internal.");
        assertThat(sni.fixed()).contains("backend.internal");
        assertThat(sni.expand(Map.of("host", "x.test"))).isEqualTo(new SniTemplate.Expansion.Name("backend.internal"));
    }

    @ParameterizedTest
    @CsvSource({
        "${host}, x.wild.test",
        "${tenant}.internal, acme.internal",
        "api-${tenant}.svc, api-acme.svc",
        "${host}, x.wild.test"})
    void aTemplateExpandsWithTheRouteVariables(String template, String expected) {
        SniTemplate sni = SniTemplate.parse(template);
        assertThat(sni.fixed()).isEmpty();
        assertThat(sni.expand(Map.of("host", "x.wild.test", "tenant", "acme")))
                .isEqualTo(new SniTemplate.Expansion.Name(expected));
    }

    @Test
    void anIpLiteralIsANameToVerifyButNotToSend() {
        assertThat(expand("${host}", Map.of("host", "10.0.0.7"))).isEqualTo(new SniTemplate.Expansion.Name("10.0.0.7"));
    }

    @ParameterizedTest
    @CsvSource({
        "${tenant}.internal, no tenant variable: an empty label",
        "${host}, an empty host name"})
    void anExpansionThatIsNoHostNameIsRefused(String template, String why) {
        SniTemplate.Expansion expansion = expand(template, Map.of("host", ""));
        assertThat(expansion).as(why).isInstanceOf(SniTemplate.Expansion.Invalid.class);
        assertThat(((SniTemplate.Expansion.Invalid) expansion).reason()).startsWith("sni '" + template + "'");
    }

    @Test
    void aNameEndingInANumberIsRefused() {
        assertThat(expand("x.${n}", Map.of("n", "1"))).isInstanceOf(SniTemplate.Expansion.Invalid.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a.test:443", "bad name", "${not closed", "${1x}", "[::1]"})
    void whatIsNeitherANameNorATemplateIsRefusedAtLoad(String sni) {
        assertThatThrownBy(() -> SniTemplate.parse(sni)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sni '" + sni + "'");
    }
}
