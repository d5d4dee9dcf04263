package io.snipool.core.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Hellos from real clients, whole and cut in every way a network or a client may cut them. */
class ClientHelloReaderTest {

    private static final String[] TLS13_AND_12 = {"TLSv1.3", "TLSv1.2"};

    /** A real hello and what the reader must find in it. */
    record Fixture(byte[] records, String serverName, List<String> alpn) {
    }

    static Stream<Arguments> realHellos() throws Exception {
        return Stream.of(
                fixture("JDK SSLEngine, TLS 1.3 and 1.2",
                        RealHellos.jdk("api.example.com", TLS13_AND_12, "h2", "http/1.1"),
                        "api.example.com", List.of("h2", "http/1.1")),
                fixture("JDK SSLEngine, TLS 1.2 only",
                        RealHellos.jdk("legacy.example.org", new String[] {"TLSv1.2"}, "http/1.1"),
                        "legacy.example.org", List.of("http/1.1")),
                fixture("BouncyCastle, X25519MLKEM768 key share",
                        RealHellos.bouncyCastle("pq.example.net", "h2", "http/1.1"),
                        "pq.example.net", List.of("h2", "http/1.1")),
                fixture("curl 7.88.1 / OpenSSL 3.0.19, captured", RealHellos.CURL_OPENSSL_3,
                        "www.example.com", List.of("h2", "http/1.1")));
    }

    private static Arguments fixture(String name, byte[] records, String serverName, List<String> alpn) {
        return Arguments.of(Named.of(name, new Fixture(records, serverName, alpn)));
    }

    @ParameterizedTest
    @MethodSource("realHellos")
    void whole_hello_routes_by_its_server_name(Fixture fixture) {
        HelloResult.Done done = done(new ClientHelloReader().read(Unpooled.wrappedBuffer(fixture.records())));

        assertThat(done.hello().serverName()).contains(fixture.serverName());
        assertThat(done.hello().alpnProtocols()).isEqualTo(fixture.alpn());
        assertThat(done.hello().encryptedClientHello()).isFalse();
        assertThat(done.hello().legacyVersion()).isEqualTo(0x0303);
        assertThat(done.consumed()).isEqualTo(fixture.records().length);
        assertThat(done.hello().handshakeLength()).isEqualTo(fixture.records().length - 9);
    }

    @Test
    void the_post_quantum_hello_is_larger_than_an_ethernet_frame() throws Exception {
        assertThat(RealHellos.bouncyCastle("pq.example.net", "h2").length).isGreaterThan(1500);
    }

    /** Every prefix waits; the same reader then completes on the whole, resuming where the prefix left it. */
    @ParameterizedTest
    @MethodSource("realHellos")
    void every_split_point_needs_more_then_completes(Fixture fixture) {
        byte[] records = fixture.records();
        for (int split = 1; split < records.length; split++) {
            ClientHelloReader reader = new ClientHelloReader();
            assertThat(reader.read(Unpooled.wrappedBuffer(records, 0, split)))
                    .as("prefix of %d bytes", split).isEqualTo(HelloResult.NeedMore.INSTANCE);
            assertThat(done(reader.read(Unpooled.wrappedBuffer(records))).hello().serverName())
                    .as("after a first read of %d bytes", split).contains(fixture.serverName());
        }
    }

    @ParameterizedTest
    @MethodSource("realHellos")
    void one_byte_per_read(Fixture fixture) {
        HelloResult.Done done = feedByteAtATime(fixture.records());
        assertThat(done.hello().serverName()).contains(fixture.serverName());
        assertThat(done.consumed()).isEqualTo(fixture.records().length);
    }

    @ParameterizedTest
    @MethodSource("realHellos")
    void hello_reframed_into_small_records(Fixture fixture) {
        byte[] message = Wire.payloads(fixture.records());
        for (int fragment : new int[] {1, 2, 3, 4, 5, 7, 100, 1000}) {
            byte[] reframed = Wire.records(message, fragment);
            HelloResult.Done whole = done(new ClientHelloReader().read(Unpooled.wrappedBuffer(reframed)));
            HelloResult.Done byteWise = feedByteAtATime(reframed);

            assertThat(whole.hello().serverName()).as("%d-byte records", fragment).contains(fixture.serverName());
            assertThat(whole.hello().alpnProtocols()).isEqualTo(fixture.alpn());
            assertThat(whole.consumed()).isEqualTo(reframed.length);
            assertThat(byteWise).isEqualTo(whole);
        }
    }

    @Test
    void bytes_after_the_hello_are_left_to_the_backend() throws Exception {
        byte[] hello = RealHellos.jdk("api.example.com", TLS13_AND_12, "h2");
        // TLS 1.3 middlebox compatibility: a change_cipher_spec record may follow; it is not the proxy's to judge.
        byte[] changeCipherSpec = Wire.concat(Wire.recordHeader(20, 0x0303, 1), Wire.u8(1));
        ByteBuf received = Unpooled.wrappedBuffer(Wire.concat(hello, changeCipherSpec));

        HelloResult.Done done = done(new ClientHelloReader().read(received));

        assertThat(done.consumed()).isEqualTo(hello.length);
        assertThat(received.readableBytes()).isEqualTo(hello.length + changeCipherSpec.length);
    }

    @Test
    void reads_from_the_reader_index_and_moves_no_index() {
        byte[] hello = RealHellos.CURL_OPENSSL_3;
        ByteBuf received = Unpooled.buffer().writeBytes(Wire.ascii("already handled")).writeBytes(hello);
        received.readerIndex("already handled".length());
        int readerIndex = received.readerIndex();
        int writerIndex = received.writerIndex();

        HelloResult.Done done = done(new ClientHelloReader().read(received));

        assertThat(done.consumed()).isEqualTo(hello.length);
        assertThat(received.readerIndex()).isEqualTo(readerIndex);
        assertThat(received.writerIndex()).isEqualTo(writerIndex);
        assertThat(received.refCnt()).isEqualTo(1);
    }

    @Test
    void reads_a_composite_buffer_built_up_read_by_read() {
        byte[] records = Wire.records(Wire.payloads(RealHellos.CURL_OPENSSL_3), 100);
        CompositeByteBuf received = Unpooled.compositeBuffer();
        ClientHelloReader reader = new ClientHelloReader();
        HelloResult result = HelloResult.NeedMore.INSTANCE;
        for (int start = 0; start < records.length; start += 37) {
            byte[] chunk = Arrays.copyOfRange(records, start, Math.min(records.length, start + 37));
            received.addComponent(true, Unpooled.wrappedBuffer(chunk));
            result = reader.read(received);
        }
        assertThat(done(result).hello().serverName()).contains("www.example.com");
        received.release();
    }

    @Test
    void hello_larger_than_one_record_spans_several() {
        byte[] records = new HelloBuilder()
                .extension(HelloBuilder.PADDING, new byte[40_000])
                .serverName("big.example.com")
                .records();
        assertThat(records.length).isGreaterThan(2 * ClientHelloFramer.MAX_PLAINTEXT_RECORD_LENGTH);

        HelloResult.Done done = done(new ClientHelloReader().read(Unpooled.wrappedBuffer(records)));

        assertThat(done.hello().serverName()).contains("big.example.com");
        assertThat(done.consumed()).isEqualTo(records.length);
        assertThat(feedByteAtATime(records)).isEqualTo(done);
    }

    @Test
    void hello_declaring_more_than_the_cap_is_refused_from_its_header() {
        int cap = 4096;
        // A first record of 1,000 bytes, then the handshake header claiming cap + 1 bytes; nothing else yet.
        byte[] headers = Wire.concat(Wire.recordHeader(22, 0x0301, 1000), Wire.u8(1), Wire.u24(cap + 1));

        HelloResult result = new ClientHelloReader(cap).read(Unpooled.wrappedBuffer(headers));

        assertThat(result).isEqualTo(new HelloResult.Invalid(HelloRejection.TOO_LARGE,
                "ClientHello length: limit 4096, got 4097"));
    }

    @Test
    void hello_of_exactly_the_cap_is_accepted() {
        HelloBuilder builder = new HelloBuilder().serverName("cap.example.com");
        int cap = builder.body().length;

        HelloResult result = new ClientHelloReader(cap).read(Unpooled.wrappedBuffer(builder.records()));

        assertThat(done(result).hello().handshakeLength()).isEqualTo(cap);
    }

    @Test
    void hello_without_server_name_is_done_with_no_name() {
        byte[] records = new HelloBuilder().alpn("h2").records();

        HelloResult.Done done = done(new ClientHelloReader().read(Unpooled.wrappedBuffer(records)));

        assertThat(done.hello().serverName()).isEqualTo(Optional.empty());
        assertThat(done.hello().alpnProtocols()).containsExactly("h2");
    }

    @Test
    void parser_rejection_becomes_invalid() {
        byte[] records = new HelloBuilder().serverName("10.0.0.1").records();

        HelloResult result = new ClientHelloReader().read(Unpooled.wrappedBuffer(records));

        assertThat(result).isInstanceOfSatisfying(HelloResult.Invalid.class,
                invalid -> assertThat(invalid.reason()).isEqualTo(HelloRejection.INVALID_SNI));
    }

    @Test
    void a_finished_reader_answers_the_same_again() {
        ByteBuf received = Unpooled.wrappedBuffer(RealHellos.CURL_OPENSSL_3);
        ClientHelloReader reader = new ClientHelloReader();
        HelloResult first = reader.read(received);

        assertThat(reader.read(received)).isSameAs(first);
        ClientHelloReader refused = new ClientHelloReader();
        HelloResult invalid = refused.read(Unpooled.wrappedBuffer(Wire.ascii("GET / HTTP/1.1\r\n")));
        assertThat(refused.read(Unpooled.wrappedBuffer(Wire.ascii("GET / HTTP/1.1\r\nHost: x\r\n"))))
                .isSameAs(invalid);
    }

    /** Feeds {@code records} one byte more per read to one reader; every read before the last must wait. */
    static HelloResult.Done feedByteAtATime(byte[] records) {
        ClientHelloReader reader = new ClientHelloReader();
        for (int length = 1; length < records.length; length++) {
            HelloResult result = reader.read(Unpooled.wrappedBuffer(records, 0, length));
            assertThat(result).as("after %d of %d bytes", length, records.length)
                    .isEqualTo(HelloResult.NeedMore.INSTANCE);
        }
        return done(reader.read(Unpooled.wrappedBuffer(records)));
    }

    static HelloResult.Done done(HelloResult result) {
        assertThat(result).isInstanceOf(HelloResult.Done.class);
        return (HelloResult.Done) result;
    }
}
