package io.snipool.core.tls;

import static io.snipool.core.tls.Wire.concat;
import static io.snipool.core.tls.Wire.recordHeader;
import static io.snipool.core.tls.Wire.u24;
import static io.snipool.core.tls.Wire.u8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Record-level rules: what may come before the hello is complete, and the size caps. */
class ClientHelloFramerTest {

    private static final byte[] MESSAGE = new HelloBuilder().serverName("a.example.com").message();

    @Test
    void plaintext_http_is_not_tls_from_its_first_byte() {
        assertThat(frame(Wire.ascii("G"))).isEqualTo(rejected(HelloRejection.NOT_TLS, "first byte 0x47"));
        assertThat(frame(Wire.ascii("GET / HTTP/1.1\r\nHost: a.example.com\r\n\r\n")))
                .isEqualTo(rejected(HelloRejection.NOT_TLS, "first byte 0x47"));
    }

    @Test
    void sslv2_client_hello_is_recognised() {
        // SSL 2.0 CLIENT-HELLO: 2-byte header 0x80 0x2e (length 46), msg_type 1, version 0x0002, then lengths.
        byte[] sslv2 = Wire.hex("802e 01 0002 0015 0000 0010 0700c0 050080 030080 010080 060040 040080 020080"
                + "00112233445566778899aabbccddeeff");

        assertThat(frame(Arrays.copyOf(sslv2, 2))).isInstanceOf(ClientHelloFramer.NeedMore.class);
        assertThat(frame(sslv2)).isEqualTo(rejected(HelloRejection.SSLV2, "SSL 2.0 CLIENT-HELLO"));
    }

    @Test
    void high_bit_without_sslv2_client_hello_is_not_tls() {
        assertThat(frame(Wire.hex("8003 02"))).isEqualTo(rejected(HelloRejection.NOT_TLS, "first byte 0x80"));
    }

    @Test
    void first_record_of_another_major_version_is_not_tls() {
        assertThat(frame(Wire.hex("16 02"))).isEqualTo(rejected(HelloRejection.NOT_TLS,
                "record version major 2 at offset 0"));
    }

    @Test
    void handshake_other_than_client_hello_is_refused_at_its_first_byte() {
        // A ServerHello (type 2) sent by a client: refused once the type byte is in, before the record is.
        byte[] serverHello = concat(recordHeader(22, 0x0303, 100), u8(2));

        assertThat(frame(serverHello)).isEqualTo(rejected(HelloRejection.WRONG_HANDSHAKE_TYPE, "handshake type 2"));
    }

    @Test
    void another_record_type_in_the_middle_of_the_hello_is_malformed() {
        byte[] firstPart = Wire.records(Arrays.copyOf(MESSAGE, 20), 20);
        byte[] alert = concat(recordHeader(21, 0x0303, 2), Wire.hex("0228"));

        assertThat(frame(concat(firstPart, alert))).isEqualTo(rejected(HelloRejection.MALFORMED,
                "record type 21 at offset 25 before the ClientHello was complete"));
    }

    @Test
    void another_major_version_in_the_middle_of_the_hello_is_malformed() {
        byte[] firstPart = Wire.records(Arrays.copyOf(MESSAGE, 20), 20);

        assertThat(frame(concat(firstPart, Wire.hex("16 04 00"))))
                .isEqualTo(rejected(HelloRejection.MALFORMED, "record version major 4 at offset 25"));
    }

    @Test
    void zero_length_handshake_record_is_malformed() {
        assertThat(frame(recordHeader(22, 0x0301, 0)))
                .isEqualTo(rejected(HelloRejection.MALFORMED, "zero-length handshake record at offset 0"));
        byte[] firstPart = Wire.records(Arrays.copyOf(MESSAGE, 3), 3);
        assertThat(frame(concat(firstPart, recordHeader(22, 0x0301, 0))))
                .isEqualTo(rejected(HelloRejection.MALFORMED, "zero-length handshake record at offset 8"));
    }

    @Test
    void record_longer_than_two_to_the_fourteen_is_malformed_from_its_header() {
        assertThat(frame(recordHeader(22, 0x0301, 16385)))
                .isEqualTo(rejected(HelloRejection.MALFORMED, "record length: limit 16384, got 16385"));
        assertThat(frame(recordHeader(22, 0x0301, 16384))).isInstanceOf(ClientHelloFramer.NeedMore.class);
    }

    @Test
    void record_carrying_more_than_the_cap_is_too_large_from_its_header() {
        ClientHelloFramer framer = new ClientHelloFramer(1024);

        assertThat(framer.frame(Unpooled.wrappedBuffer(recordHeader(22, 0x0301, 1029))))
                .isEqualTo(rejected(HelloRejection.TOO_LARGE, "handshake bytes in records: limit 1028, got 1029"));
    }

    @Test
    void handshake_header_split_across_records_is_checked_as_soon_as_it_is_whole() {
        ClientHelloFramer framer = new ClientHelloFramer(1024);
        byte[] header = concat(u8(1), u24(1025));

        assertThat(framer.frame(Unpooled.wrappedBuffer(Wire.records(header, 1))))
                .isEqualTo(rejected(HelloRejection.TOO_LARGE, "ClientHello length: limit 1024, got 1025"));
    }

    @Test
    void tiny_records_may_add_at_most_the_cap_again_in_headers() {
        // 1-byte records cost 6 bytes each: a hello close to the cap in 1-byte records would buffer 6 times it.
        HelloBuilder builder = new HelloBuilder().serverName("tiny.example.com");
        int cap = builder.body().length;
        byte[] oneByteRecords = Wire.records(builder.message(), 1);
        ClientHelloFramer framer = new ClientHelloFramer(cap);

        ClientHelloFramer.Result result = framer.frame(Unpooled.wrappedBuffer(oneByteRecords));

        long limit = 2L * (cap + 4);
        long firstRecordEndPastLimit = (limit / 6 + 1) * 6;
        assertThat(result).isEqualTo(rejected(HelloRejection.TOO_LARGE,
                "record bytes before the ClientHello is complete: limit " + limit + ", got "
                        + firstRecordEndPastLimit));
        byte[] sevenByteRecords = Wire.records(builder.message(), 7);
        assertThat(new ClientHelloFramer(cap).frame(Unpooled.wrappedBuffer(sevenByteRecords)))
                .isInstanceOf(ClientHelloFramer.Framed.class);
    }

    @Test
    void hello_in_one_record_is_a_slice_of_the_received_buffer() {
        ByteBuf received = Unpooled.wrappedBuffer(Wire.records(MESSAGE, 16384));

        ClientHelloFramer.Framed framed = (ClientHelloFramer.Framed) new ClientHelloFramer().frame(received);

        assertThat(framed.body().unwrap()).isSameAs(received);
        assertThat(ByteBufUtil.getBytes(framed.body())).isEqualTo(Arrays.copyOfRange(MESSAGE, 4, MESSAGE.length));
        assertThat(framed.consumed()).isEqualTo(MESSAGE.length + 5);
    }

    @Test
    void hello_in_several_records_is_copied_without_the_record_headers() {
        ByteBuf received = Unpooled.wrappedBuffer(Wire.records(MESSAGE, 7));

        ClientHelloFramer.Framed framed = (ClientHelloFramer.Framed) new ClientHelloFramer().frame(received);

        assertThat(ByteBufUtil.getBytes(framed.body())).isEqualTo(Arrays.copyOfRange(MESSAGE, 4, MESSAGE.length));
        assertThat(framed.consumed()).isEqualTo(received.readableBytes());
    }

    @Test
    void last_record_must_be_complete_even_if_the_hello_already_is() {
        // The hello ends 3 bytes into a 10-byte record whose rest has not arrived: consumed must cover it.
        byte[] tail = concat(Arrays.copyOfRange(MESSAGE, MESSAGE.length - 3, MESSAGE.length), new byte[7]);
        byte[] records = concat(Wire.records(Arrays.copyOf(MESSAGE, MESSAGE.length - 3), 16384),
                recordHeader(22, 0x0303, tail.length), tail);
        ClientHelloFramer framer = new ClientHelloFramer();

        assertThat(framer.frame(Unpooled.wrappedBuffer(records, 0, records.length - 1)))
                .isInstanceOf(ClientHelloFramer.NeedMore.class);
        assertThat(framer.frame(Unpooled.wrappedBuffer(records)))
                .isInstanceOfSatisfying(ClientHelloFramer.Framed.class,
                        framed -> assertThat(framed.consumed()).isEqualTo(records.length));
    }

    @Test
    void framed_again_takes_the_body_from_the_buffer_passed_in() {
        byte[] records = Wire.records(MESSAGE, 16384);
        ClientHelloFramer framer = new ClientHelloFramer();
        ByteBuf first = Unpooled.wrappedBuffer(records);
        framer.frame(first);
        ByteBuf second = Unpooled.wrappedBuffer(records.clone());

        ClientHelloFramer.Framed again = (ClientHelloFramer.Framed) framer.frame(second);

        assertThat(again.body().unwrap()).isSameAs(second);
    }

    @Test
    void a_buffer_shorter_than_what_was_framed_is_a_caller_bug() {
        byte[] records = Wire.records(MESSAGE, 10);
        ClientHelloFramer framer = new ClientHelloFramer();
        framer.frame(Unpooled.wrappedBuffer(records, 0, 30));

        assertThatThrownBy(() -> framer.frame(Unpooled.wrappedBuffer(records, 0, 10)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("shrank");
    }

    @Test
    void cap_is_checked_where_it_is_set() {
        assertThatThrownBy(() -> new ClientHelloFramer(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxClientHelloBytes: limit 1..16777216, got 0");
        assertThatThrownBy(() -> new ClientHelloFramer((1 << 24) + 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got 16777217");
        assertThat(new ClientHelloFramer(1 << 24).frame(Unpooled.wrappedBuffer(Wire.records(MESSAGE, 100))))
                .isInstanceOf(ClientHelloFramer.Framed.class);
    }

    private static ClientHelloFramer.Result frame(byte[] received) {
        return new ClientHelloFramer().frame(Unpooled.wrappedBuffer(received));
    }

    private static ClientHelloFramer.Rejected rejected(HelloRejection reason, String detail) {
        return new ClientHelloFramer.Rejected(reason, detail);
    }
}
