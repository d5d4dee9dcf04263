package io.snipool.core.tls;

import static io.snipool.core.tls.HelloBuilder.serverNameEntry;
import static io.snipool.core.tls.Wire.ascii;
import static io.snipool.core.tls.Wire.concat;
import static io.snipool.core.tls.Wire.u16;
import static io.snipool.core.tls.Wire.u8;
import static io.snipool.core.tls.Wire.vector16;
import static io.snipool.core.tls.Wire.vector8;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.snipool.config.HostNames;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The ClientHello body, field by field: lengths at every level, duplicates, and what counts as a host name. */
class ClientHelloParserTest {

    @Test
    void finds_server_name_alpn_and_version() {
        byte[] body = new HelloBuilder().legacyVersion(0x0301).serverName("shop.example.com")
                .alpn("h2", "http/1.1").body();

        ClientHelloInfo hello = parsed(body);

        assertThat(hello.serverName()).contains("shop.example.com");
        assertThat(hello.alpnProtocols()).containsExactly("h2", "http/1.1");
        assertThat(hello.encryptedClientHello()).isFalse();
        assertThat(hello.legacyVersion()).isEqualTo(0x0301);
        assertThat(hello.handshakeLength()).isEqualTo(body.length);
    }

    @Test
    void reads_only_between_reader_and_writer_index() {
        byte[] body = new HelloBuilder().serverName("shop.example.com").body();
        ByteBuf buffer = Unpooled.buffer().writeBytes(new byte[] {9, 9, 9}).writeBytes(body).writeBytes(u8(7));
        buffer.readerIndex(3).writerIndex(3 + body.length);

        ClientHelloParser.Result result = ClientHelloParser.parse(buffer);

        assertThat(((ClientHelloParser.Parsed) result).hello().serverName()).contains("shop.example.com");
        assertThat(buffer.readerIndex()).isEqualTo(3);
    }

    @Test
    void hello_without_extensions_block_has_no_server_name() {
        ClientHelloInfo hello = parsed(new HelloBuilder().noExtensions().body());

        assertThat(hello.serverName()).isEmpty();
        assertThat(hello.alpnProtocols()).isEmpty();
    }

    @Test
    void hello_with_extensions_but_no_server_name_has_no_server_name() {
        assertThat(parsed(new HelloBuilder().alpn("http/1.1").body()).serverName()).isEmpty();
        assertThat(parsed(new HelloBuilder().body()).serverName()).isEmpty();
    }

    /** Cutting a hello anywhere is malformed, except right after compression_methods: a hello may end there. */
    @Test
    void every_truncation_is_malformed_except_before_the_extensions() {
        HelloBuilder builder = new HelloBuilder().serverName("shop.example.com").alpn("h2")
                .extension(0x0a0a, new byte[0]);
        byte[] body = builder.body();
        for (int length = 0; length < body.length; length++) {
            ClientHelloParser.Result result = ClientHelloParser.parse(Unpooled.wrappedBuffer(body, 0, length));
            if (length == builder.extensionsOffset()) {
                assertThat(result).as("cut at %d", length).isInstanceOf(ClientHelloParser.Parsed.class);
            } else {
                assertThat(result).as("cut at %d", length).isInstanceOfSatisfying(ClientHelloParser.Rejected.class,
                        rejected -> assertThat(rejected.reason()).isEqualTo(HelloRejection.MALFORMED));
            }
        }
    }

    @Test
    void session_id_longer_than_32_is_malformed() {
        assertRejected(new HelloBuilder().sessionIdField(vector8(new byte[33])).body(), HelloRejection.MALFORMED,
                "legacy_session_id length: limit 32, got 33");
    }

    @Test
    void cipher_suites_must_be_a_positive_even_length_within_the_body() {
        assertRejected(new HelloBuilder().cipherSuitesField(vector16(new byte[3])).body(),
                HelloRejection.MALFORMED, "cipher_suites length 3 is not a positive even number");
        assertRejected(new HelloBuilder().cipherSuitesField(vector16()).body(),
                HelloRejection.MALFORMED, "cipher_suites length 0 is not a positive even number");
        byte[] overrun = new HelloBuilder().cipherSuitesField(u16(0xFFFE)).noExtensions().body();
        assertRejected(overrun, HelloRejection.MALFORMED, "cipher_suites: needs 65534 bytes, 2 left");
    }

    @Test
    void compression_methods_must_be_present_and_within_the_body() {
        assertRejected(new HelloBuilder().compressionMethodsField(vector8()).body(), HelloRejection.MALFORMED,
                "legacy_compression_methods is empty");
        assertRejected(new HelloBuilder().compressionMethodsField(u8(5)).noExtensions().body(),
                HelloRejection.MALFORMED, "legacy_compression_methods: needs 5 bytes, 0 left");
    }

    @Test
    void extensions_length_must_match_the_rest_of_the_body_exactly() {
        byte[] extension = concat(u16(0xff00), vector16(new byte[6]));
        assertRejected(new HelloBuilder().extensionsField(concat(u16(100), extension)).body(),
                HelloRejection.MALFORMED, "extensions: needs 100 bytes, 10 left");
        assertRejected(new HelloBuilder().extensionsField(concat(vector16(extension), new byte[3])).body(),
                HelloRejection.MALFORMED, "ClientHello: 3 bytes after the last field");
        assertRejected(new HelloBuilder().extensionsField(u8(0)).body(), HelloRejection.MALFORMED,
                "extensions: needs 2 bytes, 1 left");
    }

    @Test
    void extension_data_must_fit_in_the_extensions_block() {
        assertRejected(new HelloBuilder().rawExtension(concat(u16(0xff00), u16(50), new byte[10])).body(),
                HelloRejection.MALFORMED, "extension_data: needs 50 bytes, 10 left");
        assertRejected(new HelloBuilder().rawExtension(concat(u16(0xff00), u8(0))).body(),
                HelloRejection.MALFORMED, "extension_data: needs 2 bytes, 1 left");
    }

    @Test
    void server_name_list_length_must_match_its_extension() {
        byte[] entry = serverNameEntry(0, ascii("a.example"));
        assertRejected(new HelloBuilder().extension(0, concat(u16(40), entry)).body(), HelloRejection.MALFORMED,
                "server_name_list: needs 40 bytes, 12 left");
        assertRejected(new HelloBuilder().extension(0, concat(vector16(entry), u8(0))).body(),
                HelloRejection.MALFORMED, "server_name extension: 1 bytes after the last field");
        assertRejected(new HelloBuilder().extension(0, vector16()).body(), HelloRejection.MALFORMED,
                "server_name_list is empty");
        assertRejected(new HelloBuilder().extension(0, new byte[0]).body(), HelloRejection.MALFORMED,
                "server_name_list: needs 2 bytes, 0 left");
        assertRejected(new HelloBuilder().extension(0, vector16(u8(0), u16(30), ascii("a.example"))).body(),
                HelloRejection.MALFORMED, "server_name: needs 30 bytes, 9 left");
    }

    @Test
    void alpn_list_and_names_must_be_consistent_and_non_empty() {
        byte[] h2 = vector8(ascii("h2"));
        assertRejected(new HelloBuilder().extension(16, concat(u16(10), h2)).body(), HelloRejection.MALFORMED,
                "protocol_name_list: needs 10 bytes, 3 left");
        assertRejected(new HelloBuilder().extension(16, concat(vector16(h2), u8(0))).body(),
                HelloRejection.MALFORMED,
                "application_layer_protocol_negotiation extension: 1 bytes after the last field");
        assertRejected(new HelloBuilder().extension(16, vector16()).body(), HelloRejection.MALFORMED,
                "protocol_name_list is empty");
        assertRejected(new HelloBuilder().extension(16, vector16(h2, vector8())).body(), HelloRejection.MALFORMED,
                "empty protocol_name in protocol_name_list");
        assertRejected(new HelloBuilder().extension(16, vector16(u8(5), ascii("h2"))).body(),
                HelloRejection.MALFORMED, "protocol_name: needs 5 bytes, 2 left");
    }

    @Test
    void two_server_name_extensions_are_a_duplicate_sni() {
        assertRejected(new HelloBuilder().serverName("a.example").serverName("b.example").body(),
                HelloRejection.DUPLICATE_SNI, "server_name extension appears twice");
    }

    @Test
    void two_host_names_in_one_list_are_a_duplicate_sni() {
        assertRejected(new HelloBuilder().serverName("a.example", "b.example").body(),
                HelloRejection.DUPLICATE_SNI, "two host_name entries in server_name_list");
    }

    @Test
    void any_other_extension_twice_is_a_duplicate_extension() {
        assertRejected(new HelloBuilder().alpn("h2").alpn("http/1.1").body(), HelloRejection.DUPLICATE_EXTENSION,
                "extension 16 appears twice");
        assertRejected(new HelloBuilder().extension(0xff00, u8(1)).extension(0xff00, u8(1)).body(),
                HelloRejection.DUPLICATE_EXTENSION, "extension 65280 appears twice");
        assertRejected(new HelloBuilder().extension(0x2a2a, new byte[0]).extension(0x2a2a, new byte[0]).body(),
                HelloRejection.DUPLICATE_EXTENSION, "extension 10794 appears twice");
    }

    /**
     * The parser keeps the first 32 types of a block in a list and switches to a bit per type beyond: a duplicate is
     * found on either side of the switch, the last type against the one before it and the server_name against the
     * first of all.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 31, 32, 33, 100, 3000})
    void a_duplicate_is_found_after_any_number_of_distinct_extensions(int distinct) {
        HelloBuilder hello = new HelloBuilder().serverName("a.example");
        for (int type = 0x7000; type < 0x7000 + distinct; type++) {
            hello.extension(type, new byte[0]);
        }
        assertThat(parsed(hello.body()).serverName()).hasValue("a.example");

        assertRejected(hello.extension(0x7000 + distinct - 1, new byte[0]).body(),
                HelloRejection.DUPLICATE_EXTENSION, "extension " + (0x7000 + distinct - 1) + " appears twice");
        HelloBuilder sniLast = new HelloBuilder().serverName("a.example");
        for (int type = 0x7000; type < 0x7000 + distinct; type++) {
            sniLast.extension(type, new byte[0]);
        }
        assertRejected(sniLast.serverName("b.example").body(), HelloRejection.DUPLICATE_SNI,
                "server_name extension appears twice");
    }

    @Test
    void unknown_name_types_are_skipped_by_their_length() {
        byte[] list = vector16(serverNameEntry(7, ascii("not a host name")),
                serverNameEntry(0, ascii("real.example")));

        assertThat(parsed(new HelloBuilder().extension(0, list).body()).serverName()).contains("real.example");
        byte[] onlyUnknown = vector16(serverNameEntry(7, ascii("x")));
        assertThat(parsed(new HelloBuilder().extension(0, onlyUnknown).body()).serverName()).isEmpty();
    }

    @Test
    void server_name_is_lower_cased_without_its_trailing_dot() {
        assertThat(parsed(new HelloBuilder().serverName("WWW.Example.COM.").body()).serverName())
                .contains("www.example.com");
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.1", "10.0.0.1.", "::1", "2001:db8::1", "::ffff:192.0.2.1"})
    void ip_literal_server_name_is_invalid(String literal) {
        assertRejected(new HelloBuilder().serverName(literal).body(), HelloRejection.INVALID_SNI,
                "host_name is an IP literal: " + HostNames.normalize(literal));
    }

    @ParameterizedTest
    @ValueSource(strings = {"bad..example", "-lead.example", "trail-.example", "a b.example", ".", "[::1]",
        "host:443", "star*.example", "a.example/path"})
    void malformed_server_name_is_invalid(String name) {
        assertRejected(new HelloBuilder().serverName(name).body(), HelloRejection.INVALID_SNI,
                "host_name is not a DNS name: " + HostNames.normalize(name));
    }

    @Test
    void over_long_names_and_labels_are_invalid() {
        String longLabel = "a".repeat(64) + ".example";
        String longName = ("a".repeat(60) + ".").repeat(4) + "example.co";
        assertThat(longName).hasSize(HostNames.MAX_NAME_LENGTH + 1);
        assertThat(rejection(new HelloBuilder().serverName(longLabel).body())).isEqualTo(HelloRejection.INVALID_SNI);
        assertThat(rejection(new HelloBuilder().serverName(longName).body())).isEqualTo(HelloRejection.INVALID_SNI);
    }

    @Test
    void empty_host_name_is_invalid() {
        assertRejected(new HelloBuilder().extension(0, vector16(serverNameEntry(0, new byte[0]))).body(),
                HelloRejection.INVALID_SNI, "empty host_name");
    }

    @Test
    void non_ascii_host_name_is_invalid() {
        byte[] utf8 = "bücher.example".getBytes(StandardCharsets.UTF_8);
        assertRejected(new HelloBuilder().extension(0, vector16(serverNameEntry(0, utf8))).body(),
                HelloRejection.INVALID_SNI, "host_name is not ASCII");
    }

    @Test
    void control_characters_never_reach_the_log_detail() {
        byte[] name = ascii("evil.example\r\nlevel=ERROR forged");
        ClientHelloParser.Rejected rejected = (ClientHelloParser.Rejected) ClientHelloParser.parse(
                Unpooled.wrappedBuffer(new HelloBuilder().extension(0, vector16(serverNameEntry(0, name))).body()));

        assertThat(rejected.detail()).isEqualTo("host_name is not a DNS name: evil.example??level=error forged");
    }

    @Test
    void grease_extensions_and_alpn_values_are_skipped() {
        byte[] greaseAlpn = vector8(new byte[] {0x3a, 0x3a});
        byte[] notGrease = vector8(new byte[] {0x3a, 0x3b});
        byte[] body = new HelloBuilder()
                .extension(0x0a0a, new byte[0])
                .extension(16, vector16(greaseAlpn, vector8(ascii("h2")), notGrease))
                .serverName("grease.example")
                .extension(0xfafa, u8(0))
                .body();

        ClientHelloInfo hello = parsed(body);

        assertThat(hello.serverName()).contains("grease.example");
        assertThat(hello.alpnProtocols()).containsExactly("h2", ":;");
    }

    @Test
    void encrypted_client_hello_is_flagged_and_the_outer_name_routes() {
        byte[] outerEch = new byte[] {0, 0, 1, 0, 1, 42, 0, 0, 0, 0};
        ClientHelloInfo hello = parsed(new HelloBuilder().serverName("public.example")
                .extension(HelloBuilder.ENCRYPTED_CLIENT_HELLO, outerEch).body());

        assertThat(hello.encryptedClientHello()).isTrue();
        assertThat(hello.serverName()).contains("public.example");
    }

    @Test
    void unknown_extensions_with_any_content_are_ignored() {
        byte[] body = new HelloBuilder().extension(0xff01, new byte[] {1, 2, 3}).extension(HelloBuilder.PADDING,
                new byte[300]).serverName("a.example").body();

        assertThat(parsed(body).serverName()).contains("a.example");
    }

    @Test
    void the_body_is_not_modified() {
        byte[] body = new HelloBuilder().serverName("A.Example.").body();
        byte[] copy = body.clone();

        parsed(body);

        assertThat(Arrays.equals(body, copy)).isTrue();
    }

    private static ClientHelloInfo parsed(byte[] body) {
        ClientHelloParser.Result result = ClientHelloParser.parse(Unpooled.wrappedBuffer(body));
        assertThat(result).isInstanceOf(ClientHelloParser.Parsed.class);
        return ((ClientHelloParser.Parsed) result).hello();
    }

    private static HelloRejection rejection(byte[] body) {
        ClientHelloParser.Result result = ClientHelloParser.parse(Unpooled.wrappedBuffer(body));
        assertThat(result).isInstanceOf(ClientHelloParser.Rejected.class);
        return ((ClientHelloParser.Rejected) result).reason();
    }

    private static void assertRejected(byte[] body, HelloRejection reason, String detail) {
        assertThat(ClientHelloParser.parse(Unpooled.wrappedBuffer(body)))
                .isEqualTo(new ClientHelloParser.Rejected(reason, detail));
    }
}
