package io.snipool.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every PEM form of a private key: the three readable ones, and a refusal for each of the others. */
class PemPrivateKeysTest {

    private static KeyPair rsa;
    private static KeyPair ec;
    private static KeyPair ed25519;

    @BeforeAll
    static void makeKeys() {
        rsa = TestPki.keys(TestPki.KeyType.RSA);
        ec = TestPki.keys(TestPki.KeyType.EC);
        ed25519 = TestPki.keys(TestPki.KeyType.ED25519);
    }

    private static ValueParser.Parsed<PrivateKey> parse(String pem) {
        ValueParser.Parsed<List<PemReader.Block>> blocks = PemReader.read(pem);
        assertThat(blocks).isInstanceOf(ValueParser.Parsed.Accepted.class);
        return PemPrivateKeys.privateKey(((ValueParser.Parsed.Accepted<List<PemReader.Block>>) blocks).value());
    }

    private static PrivateKey key(String pem) {
        ValueParser.Parsed<PrivateKey> parsed = parse(pem);
        assertThat(parsed).isInstanceOf(ValueParser.Parsed.Accepted.class);
        return ((ValueParser.Parsed.Accepted<PrivateKey>) parsed).value();
    }

    private static String refusal(String pem) {
        ValueParser.Parsed<PrivateKey> parsed = parse(pem);
        assertThat(parsed).isInstanceOf(ValueParser.Parsed.Refused.class);
        return ((ValueParser.Parsed.Refused<PrivateKey>) parsed).reason();
    }

    @Test
    void pkcs8OfEveryKeyType() {
        assertThat(key(TestPki.pkcs8(rsa.getPrivate())).getEncoded()).isEqualTo(rsa.getPrivate().getEncoded());
        assertThat(key(TestPki.pkcs8(ec.getPrivate())).getEncoded()).isEqualTo(ec.getPrivate().getEncoded());
        assertThat(key(TestPki.pkcs8(ed25519.getPrivate())).getAlgorithm()).isIn("EdDSA", "Ed25519");
    }

    @Test
    void pkcs1RsaKey() {
        String pem = TestPki.pkcs1(rsa.getPrivate());
        assertThat(pem).startsWith("-----BEGIN RSA PRIVATE KEY-----");

        PrivateKey key = key(pem);
        assertThat(key.getAlgorithm()).isEqualTo("RSA");
        assertThat(key.getEncoded()).isEqualTo(rsa.getPrivate().getEncoded());
    }

    @Test
    void sec1EcKeyWithAndWithoutAParametersBlock() {
        ECPrivateKey expected = (ECPrivateKey) ec.getPrivate();
        String plain = TestPki.sec1(expected, true, false);
        assertThat(plain).startsWith("-----BEGIN EC PRIVATE KEY-----");

        for (String pem : List.of(plain, TestPki.sec1(expected, true, true), TestPki.sec1(expected, false, true))) {
            ECPrivateKey key = (ECPrivateKey) key(pem);
            assertThat(key.getS()).isEqualTo(expected.getS());
            assertThat(key.getParams().getCurve()).isEqualTo(expected.getParams().getCurve());
        }
    }

    @Test
    void anEcKeyThatNamesNoCurveIsRefused() {
        assertThat(refusal(TestPki.sec1((ECPrivateKey) ec.getPrivate(), false, false)))
                .isEqualTo("line 1: the EC key names no curve, and no EC PARAMETERS block comes with it");
    }

    @Test
    void encryptedKeysAreRefusedSayingSo() {
        assertThat(refusal(TestPki.encryptedPkcs8(ec.getPrivate()))).isEqualTo("line 1: the key is encrypted"
                + " (BEGIN ENCRYPTED PRIVATE KEY); snipool reads unencrypted keys only: decrypt it (openssl pkey"
                + " -in KEY -out PLAIN) and protect the file by its permissions");
        assertThat(refusal(TestPki.procTypeEncrypted(rsa.getPrivate())))
                .startsWith("line 1: the key is encrypted (Proc-Type: 4,ENCRYPTED); snipool reads unencrypted");
    }

    @Test
    void certificatesBesideTheKeyAreSkipped() {
        TestPki.Issued ca = TestPki.ca("ca");
        String combined = TestPki.pem(ca.certificate()) + TestPki.pkcs8(ec.getPrivate());

        assertThat(key(combined).getEncoded()).isEqualTo(ec.getPrivate().getEncoded());
    }

    @Test
    void noKeyTwoKeysOrAnotherKindAreRefused() {
        assertThat(refusal("")).isEqualTo("holds no private key (expected BEGIN PRIVATE KEY, BEGIN RSA PRIVATE KEY"
                + " or BEGIN EC PRIVATE KEY)");
        String two = TestPki.pkcs8(ec.getPrivate()) + TestPki.pkcs8(ed25519.getPrivate());
        assertThat(refusal(two)).matches("holds 2 private keys \\(lines 1 and \\d+\\); give each key its own file");
        assertThat(refusal("-----BEGIN OPENSSH PRIVATE KEY-----\naGVsbG8=\n-----END OPENSSH PRIVATE KEY-----\n"))
                .isEqualTo("line 1: a OPENSSH PRIVATE KEY is not supported; use an RSA, EC or Ed25519 key"
                        + " (openssl pkey converts to BEGIN PRIVATE KEY)");
        assertThat(refusal("-----BEGIN X509 CRL-----\naGVsbG8=\n-----END X509 CRL-----\n"))
                .isEqualTo("line 1: a X509 CRL block, where a private key (and its certificates) belong");
    }

    @Test
    void bytesThatAreNotTheNamedStructureAreRefused() {
        assertThat(refusal("-----BEGIN PRIVATE KEY-----\naGVsbG8=\n-----END PRIVATE KEY-----\n"))
                .startsWith("line 1: the PRIVATE KEY block is not a valid key (");
        assertThat(refusal("-----BEGIN RSA PRIVATE KEY-----\nMAA=\n-----END RSA PRIVATE KEY-----\n"))
                .startsWith("line 1: the RSA PRIVATE KEY block is not a valid key (");
    }
}
