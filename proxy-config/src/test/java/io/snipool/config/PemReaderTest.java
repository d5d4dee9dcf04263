package io.snipool.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Splitting PEM text into blocks, and the policy for each malformed case (RFC 7468). */
class PemReaderTest {

    /** "hello" and "world" in base64. */
    private static final String TWO_BLOCKS = """
            Subject: CN=explanatory text is allowed before a block
            -----BEGIN CERTIFICATE-----
            aGVs
            bG8=
            -----END CERTIFICATE-----
            and between blocks
              -----BEGIN PRIVATE KEY-----\r
            d29ybGQ=\r
              -----END PRIVATE KEY-----\r
            """;

    private static List<PemReader.Block> blocks(String text) {
        ValueParser.Parsed<List<PemReader.Block>> parsed = PemReader.read(text);
        assertThat(parsed).isInstanceOf(ValueParser.Parsed.Accepted.class);
        return ((ValueParser.Parsed.Accepted<List<PemReader.Block>>) parsed).value();
    }

    private static String refusal(String text) {
        ValueParser.Parsed<List<PemReader.Block>> parsed = PemReader.read(text);
        assertThat(parsed).isInstanceOf(ValueParser.Parsed.Refused.class);
        return ((ValueParser.Parsed.Refused<List<PemReader.Block>>) parsed).reason();
    }

    @Test
    void readsBlocksAmidTextWithCrLfAndIndentation() {
        List<PemReader.Block> blocks = blocks(TWO_BLOCKS);

        assertThat(blocks).extracting(PemReader.Block::label).containsExactly("CERTIFICATE", "PRIVATE KEY");
        assertThat(new String(blocks.get(0).der(), StandardCharsets.US_ASCII)).isEqualTo("hello");
        assertThat(new String(blocks.get(1).der(), StandardCharsets.US_ASCII)).isEqualTo("world");
        assertThat(blocks).extracting(PemReader.Block::line).containsExactly(2, 7);
    }

    @Test
    void keepsTheLegacyHeadersOfAnEncryptedKey() {
        List<PemReader.Block> blocks = blocks("""
                -----BEGIN RSA PRIVATE KEY-----
                Proc-Type: 4,ENCRYPTED
                DEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF

                aGVsbG8=
                -----END RSA PRIVATE KEY-----
                """);

        assertThat(blocks.get(0).headers()).isEqualTo(Map.of("Proc-Type", "4,ENCRYPTED",
                "DEK-Info", "AES-128-CBC,00112233445566778899AABBCCDDEEFF"));
        assertThat(new String(blocks.get(0).der(), StandardCharsets.US_ASCII)).isEqualTo("hello");
    }

    @Test
    void textWithoutBlocksHasNone() {
        assertThat(blocks("")).isEmpty();
        assertThat(blocks("just words\n")).isEmpty();
    }

    @Test
    void malformedBlocksAreRefusedWithTheirLine() {
        assertThat(refusal("-----BEGIN CERTIFICATE-----\naGVsbG8=\n"))
                .isEqualTo("line 1: BEGIN CERTIFICATE has no END line");
        assertThat(refusal("x\n-----BEGIN CERTIFICATE-----\naGVs\n-----BEGIN CERTIFICATE-----\n"))
                .isEqualTo("line 2: BEGIN CERTIFICATE has no END line before the next BEGIN (line 4)");
        assertThat(refusal("aGVsbG8=\n-----END CERTIFICATE-----\n"))
                .isEqualTo("line 2: '-----END CERTIFICATE-----' without a BEGIN line before it");
        assertThat(refusal("-----BEGIN CERTIFICATE-----\naGVsbG8=\n-----END PRIVATE KEY-----\n"))
                .isEqualTo("line 3: '-----END PRIVATE KEY-----' does not end BEGIN CERTIFICATE (line 1)");
        assertThat(refusal("-----BEGIN CERTIFICATE-----\naGV*sbG8=\n-----END CERTIFICATE-----\n"))
                .startsWith("line 1: the CERTIFICATE block is not valid base64 (");
        assertThat(refusal("-----BEGIN -----\n")).isEqualTo("line 1: '-----BEGIN -----' is not a PEM BEGIN line");
    }
}
