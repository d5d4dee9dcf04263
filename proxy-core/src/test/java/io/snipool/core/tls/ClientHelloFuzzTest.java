package io.snipool.core.tls;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.Unpooled;
import io.snipool.config.HostNames;
import io.snipool.config.InetLiterals;
import java.util.Arrays;

/**
 * Fuzz targets for the reader and the parser. A plain {@code mvn test} runs only the committed seed corpus under
 * {@code src/test/resources/io/snipool/core/tls/ClientHelloFuzzTestInputs/<method>/}; set {@code JAZZER_FUZZ=1}
 * to fuzz.
 */
class ClientHelloFuzzTest {

    /** Arbitrary bytes as the client's first flight: read whole and one byte per read, with the same outcome. */
    @FuzzTest(maxDuration = "5m")
    void anyFirstFlight(byte[] received) {
        checkReader(received);
    }

    /**
     * Arbitrary bytes as a handshake message cut into records: the first byte picks the record size (0 for the
     * largest), so mutations of one message explore many framings of it.
     */
    @FuzzTest(maxDuration = "5m")
    void anyMessageInRecords(byte[] input) {
        if (input.length < 2) {
            return;
        }
        int fragment = input[0] == 0 ? ClientHelloFramer.MAX_PLAINTEXT_RECORD_LENGTH : input[0] & 0xFF;
        checkReader(Wire.records(Arrays.copyOfRange(input, 1, input.length), fragment));
    }

    /** Arbitrary bytes as a ClientHello body, straight to the parser. */
    @FuzzTest(maxDuration = "5m")
    void anyClientHelloBody(byte[] body) {
        ClientHelloParser.Result result = ClientHelloParser.parse(Unpooled.wrappedBuffer(body));
        if (result instanceof ClientHelloParser.Parsed parsed) {
            checkHello(parsed.hello());
            assertThat(parsed.hello().handshakeLength()).isEqualTo(body.length);
        }
    }

    private static void checkReader(byte[] received) {
        HelloResult whole = new ClientHelloReader().read(Unpooled.wrappedBuffer(received));
        // The outcome must not depend on how TCP cut the bytes: the first decision taken while they arrive one
        // at a time is the one taken on all of them at once.
        assertThat(firstDecisionByteByByte(received)).isEqualTo(whole);
        if (whole instanceof HelloResult.Done done) {
            assertThat(done.consumed()).isBetween(1, received.length);
            assertThat(done.hello().handshakeLength()).isLessThanOrEqualTo(done.consumed());
            checkHello(done.hello());
        }
    }

    private static HelloResult firstDecisionByteByByte(byte[] received) {
        ClientHelloReader reader = new ClientHelloReader();
        HelloResult result = HelloResult.NeedMore.INSTANCE;
        for (int length = 1; length <= received.length && result instanceof HelloResult.NeedMore; length++) {
            result = reader.read(Unpooled.wrappedBuffer(received, 0, length));
        }
        return result;
    }

    private static void checkHello(ClientHelloInfo hello) {
        hello.serverName().ifPresent(name -> {
            assertThat(name).isEqualTo(HostNames.normalize(name));
            assertThat(HostNames.isValidDnsName(name)).as(name).isTrue();
            assertThat(InetLiterals.isIpLiteral(name)).as(name).isFalse();
        });
        assertThat(hello.alpnProtocols()).allSatisfy(protocol -> assertThat(protocol).isNotEmpty());
    }
}
