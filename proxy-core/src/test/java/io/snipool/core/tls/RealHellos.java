package io.snipool.core.tls;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.List;
import java.util.Vector;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLParameters;
import org.bouncycastle.tls.DefaultTlsClient;
import org.bouncycastle.tls.NamedGroup;
import org.bouncycastle.tls.ProtocolName;
import org.bouncycastle.tls.ServerName;
import org.bouncycastle.tls.TlsAuthentication;
import org.bouncycastle.tls.TlsClientProtocol;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCrypto;

/** ClientHello records as real TLS clients write them: generated at test time, plus one captured as hex. */
final class RealHellos {

    /**
     * curl 7.88.1 (OpenSSL 3.0.19) requesting https://www.example.com/ on a local port: one 517-byte record,
     * SNI www.example.com, ALPN h2 and http/1.1, TLS 1.3 and 1.2 suites, an X25519 key share, padding (type 21).
     */
    static final byte[] CURL_OPENSSL_3 = Wire.hex("""
            1603010200010001fc03031db06a76ab61d03cd296dff3180809fcb4f47e3685a28324f79f79883cca5c0b2027a884b6
            803ff5a40ec7ac66eb87eb2d36341ee8863870cfdacc3792338272c8003e130213031301c02cc030009fcca9cca8ccaa
            c02bc02f009ec024c028006bc023c0270067c00ac0140039c009c0130033009d009c003d003c0035002f00ff01000175
            00000014001200000f7777772e6578616d706c652e636f6d000b000403000102000a00160014001d0017001e00190018
            010001010102010301040010000e000c02683208687474702f312e31001600000017000000310000000d002a00280403
            05030603080708080809080a080b080408050806040105010601030303010302040205020602002b0009080304030303
            020301002d00020101003300260024001d0020eb9b1e187018087689ef72a7f0112edf204f343aabb0a0c23559e2e943
            59b840001500ae0000000000000000000000000000000000000000000000000000000000000000000000000000000000
            000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
            000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
            00000000000000000000000000000000000000000000000000000000000000000000000000
            """);

    private RealHellos() {
    }

    /** The records the JDK's own TLS client writes first, with SNI and ALPN set through {@link SSLParameters}. */
    static byte[] jdk(String serverName, String[] protocols, String... alpn) throws GeneralSecurityException,
            IOException {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, null, null);
        SSLEngine engine = context.createSSLEngine(serverName, 443);
        engine.setUseClientMode(true);
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setServerNames(List.of(new SNIHostName(serverName)));
        parameters.setApplicationProtocols(alpn);
        parameters.setProtocols(protocols);
        engine.setSSLParameters(parameters);
        ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        SSLEngineResult result = engine.wrap(ByteBuffer.allocate(0), out);
        if (result.getStatus() != SSLEngineResult.Status.OK || result.bytesProduced() == 0) {
            throw new IOException("SSLEngine wrote no ClientHello: " + result);
        }
        byte[] records = new byte[out.flip().remaining()];
        out.get(records);
        return records;
    }

    /**
     * The records BouncyCastle's TLS client writes first, offering the X25519MLKEM768 hybrid key share
     * (draft-ietf-tls-ecdhe-mlkem), which makes the hello larger than one Ethernet frame.
     */
    static byte[] bouncyCastle(String serverName, String... alpn) throws IOException {
        TlsClientProtocol protocol = new TlsClientProtocol();
        protocol.connect(new DefaultTlsClient(new BcTlsCrypto(new SecureRandom())) {
            @Override
            protected Vector<ServerName> getSNIServerNames() {
                Vector<ServerName> names = new Vector<>();
                names.add(new ServerName(org.bouncycastle.tls.NameType.host_name, Wire.ascii(serverName)));
                return names;
            }

            @Override
            protected Vector<ProtocolName> getProtocolNames() {
                Vector<ProtocolName> names = new Vector<>();
                for (String name : alpn) {
                    names.add(ProtocolName.asUtf8Encoding(name));
                }
                return names;
            }

            @Override
            @SuppressWarnings("rawtypes")
            protected Vector<Integer> getSupportedGroups(Vector namedGroupRoles) {
                return new Vector<>(List.of(NamedGroup.X25519MLKEM768, NamedGroup.x25519, NamedGroup.secp256r1));
            }

            @Override
            public Vector<Integer> getEarlyKeyShareGroups() {
                return new Vector<>(List.of(NamedGroup.X25519MLKEM768, NamedGroup.x25519));
            }

            @Override
            public TlsAuthentication getAuthentication() {
                throw new UnsupportedOperationException("only the ClientHello is wanted");
            }
        });
        byte[] records = new byte[protocol.getAvailableOutputBytes()];
        protocol.readOutput(records, 0, records.length);
        return records;
    }
}
