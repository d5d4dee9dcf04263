package io.snipool.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A chain and a key joined: the key is the leaf's, the chain is in order, the names, and the dates. */
class CertifiedKeysTest {

    private static TestPki.Issued ca;
    private static TestPki.Issued rsaLeaf;
    private static TestPki.Issued ecLeaf;
    private static TestPki.Issued ed25519Leaf;

    @BeforeAll
    static void makePki() {
        ca = TestPki.ca("Test Root");
        rsaLeaf = TestPki.leaf(ca, TestPki.keys(TestPki.KeyType.RSA), "rsa.test");
        ecLeaf = TestPki.leaf(ca, TestPki.keys(TestPki.KeyType.EC), "ec.test");
        ed25519Leaf = TestPki.leaf(ca, TestPki.keys(TestPki.KeyType.ED25519), "ed.test");
    }

    @Test
    void eachLeafsOwnKeyMatches() {
        assertThat(CertifiedKeys.keyMismatch(rsaLeaf.key(), rsaLeaf.certificate())).isEmpty();
        assertThat(CertifiedKeys.keyMismatch(ecLeaf.key(), ecLeaf.certificate())).isEmpty();
        assertThat(CertifiedKeys.keyMismatch(ed25519Leaf.key(), ed25519Leaf.certificate())).isEmpty();
    }

    @Test
    void anotherKeyOfTheSameTypeDoesNotMatch() {
        KeyPair otherEc = TestPki.keys(TestPki.KeyType.EC);
        assertThat(CertifiedKeys.keyMismatch(otherEc.getPrivate(), ecLeaf.certificate())).contains(
                "the key does not belong to the certificate (CN=ec.test): it is another EC key");
        assertThat(CertifiedKeys.keyMismatch(ed25519Leaf.key(), TestPki.leaf(ca,
                TestPki.keys(TestPki.KeyType.ED25519), "ed2.test").certificate()))
                .hasValueSatisfying(message -> assertThat(message).startsWith(
                        "the key does not belong to the certificate (CN=ed2.test): it is another"));
    }

    @Test
    void aKeyOfAnotherTypeDoesNotMatch() {
        assertThat(CertifiedKeys.keyMismatch(ecLeaf.key(), rsaLeaf.certificate())).contains(
                "the key does not belong to the certificate (CN=rsa.test): the key is EC, the certificate's key"
                        + " is RSA");
        assertThat(CertifiedKeys.keyMismatch(rsaLeaf.key(), ed25519Leaf.certificate())).hasValueSatisfying(
                message -> assertThat(message).startsWith("the key does not belong to the certificate (CN=ed.test):"
                        + " the key is RSA, the certificate's key is Ed"));
    }

    @Test
    void namesAreTheDnsAlternativeNamesLowerCasedElseTheCommonName() {
        TestPki.Issued multi = TestPki.leaf(ca, TestPki.keys(TestPki.KeyType.EC), "A.Example.TEST",
                "*.Wild.test");
        assertThat(CertifiedKeys.dnsNames(multi.certificate())).containsExactly("a.example.test", "*.wild.test");

        TestPki.Issued cnOnly = TestPki.leaf(ca, TestPki.keys(TestPki.KeyType.EC),
                Instant.now().minus(Duration.ofHours(1)), Duration.ofDays(30));
        assertThat(CertifiedKeys.dnsNames(cnOnly.certificate())).containsExactly("cn.test");
    }

    @Test
    void chainOrderIsLeafThenEachIssuer() {
        TestPki.Issued intermediate = TestPki.intermediate(ca, "Test Intermediate");
        TestPki.Issued leaf = TestPki.leaf(intermediate, TestPki.keys(TestPki.KeyType.EC), "chained.test");

        assertThat(PemCertificates.chainOrderProblem(List.of(leaf.certificate(), intermediate.certificate(),
                ca.certificate()))).isEmpty();
        assertThat(PemCertificates.chainOrderProblem(List.of(leaf.certificate()))).isEmpty();
        assertThat(PemCertificates.chainOrderProblem(List.of(leaf.certificate(), ca.certificate(),
                intermediate.certificate()))).contains("chain order: certificate [1] (CN=Test Root) did not sign"
                + " certificate [0] (CN=chained.test); write the leaf first, then each certificate's issuer");
        assertThat(PemCertificates.chainOrderProblem(List.of(intermediate.certificate(), leaf.certificate())))
                .hasValueSatisfying(message -> assertThat(message).startsWith(
                        "chain order: certificate [1] (CN=chained.test) did not sign certificate [0]"));
    }

    @Test
    void datesExpiredSoonNotYetOrFine() {
        Instant start = Instant.parse("2030-01-01T00:00:00Z");
        TestPki.Issued leaf = TestPki.leaf(ca, TestPki.keys(TestPki.KeyType.EC), start, Duration.ofDays(30),
                "dates.test");
        List<java.security.cert.X509Certificate> chain = List.of(leaf.certificate());

        assertThat(CertifiedKeys.dates(chain, start.plus(Duration.ofDays(1))))
                .isEqualTo(new CertifiedKeys.Dates.Valid());
        assertThat(CertifiedKeys.dates(chain, start.plus(Duration.ofDays(25)))).isEqualTo(
                new CertifiedKeys.Dates.Warning("the certificate (CN=dates.test) expires in 5 days, at"
                        + " 2030-01-31T00:00:00Z"));
        assertThat(CertifiedKeys.dates(chain, Instant.parse("2030-01-30T12:00:00Z"))).isEqualTo(
                new CertifiedKeys.Dates.Warning("the certificate (CN=dates.test) expires in less than a day, at"
                        + " 2030-01-31T00:00:00Z"));
        assertThat(CertifiedKeys.dates(chain, Instant.parse("2030-01-31T00:00:00Z"))).isEqualTo(
                new CertifiedKeys.Dates.Expired("the certificate (CN=dates.test) expired at 2030-01-31T00:00:00Z"));
        assertThat(CertifiedKeys.dates(chain, start.minus(Duration.ofDays(1)))).isEqualTo(
                new CertifiedKeys.Dates.Warning("the certificate (CN=dates.test) is not valid before"
                        + " 2030-01-01T00:00:00Z; clients refuse it until then"));
    }

    @Test
    void anExpiredIssuerIsNamedByItsPlaceInTheChain() {
        Instant now = Instant.now();
        TestPki.Issued leaf = TestPki.leaf(ca, TestPki.keys(TestPki.KeyType.EC), "x.test");
        TestPki.Issued oldCa = TestPki.leaf(ca, TestPki.keys(TestPki.KeyType.EC),
                now.minus(Duration.ofDays(10)), Duration.ofDays(5), "old.test");

        assertThat(CertifiedKeys.dates(List.of(leaf.certificate(), oldCa.certificate()), now))
                .isInstanceOfSatisfying(CertifiedKeys.Dates.Expired.class, expired -> assertThat(expired.message())
                        .startsWith("chain certificate [1] (CN=old.test) expired at "));
    }
}
