package io.snipool.config;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bouncycastle.asn1.ASN1Object;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.pkcs.RSAPrivateKey;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x9.X962Parameters;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;

/**
 * The private key of PEM blocks, unencrypted, in one of three forms: PKCS#8 ({@code BEGIN PRIVATE KEY}, RFC 5208,
 * what {@code openssl genpkey} writes), PKCS#1 ({@code BEGIN RSA PRIVATE KEY}, RFC 8017 Appendix A.1.2) or SEC1
 * ({@code BEGIN EC PRIVATE KEY}, RFC 5915, with or without the {@code EC PARAMETERS} block {@code openssl ecparam
 * -genkey} writes before it). The JDK reads only PKCS#8, so the other two are re-wrapped as PKCS#8 with Bouncy
 * Castle's ASN.1 classes. Pure.
 *
 * <p>Policy per case: an encrypted key ({@code BEGIN ENCRYPTED PRIVATE KEY}, or {@code Proc-Type: 4,ENCRYPTED} in
 * a legacy block) is refused: snipool has no passphrase to give, and a key on disk is protected by its file's
 * permissions. Certificate blocks are skipped, so {@code key} may name a combined file. No key, two keys, another
 * kind of key (DSA, OpenSSH) or another block is refused. EC keys must name their curve: explicit curve parameters
 * are refused.
 */
final class PemPrivateKeys {

    private static final String PKCS8 = "PRIVATE KEY";
    private static final String PKCS1_RSA = "RSA PRIVATE KEY";
    private static final String SEC1_EC = "EC PRIVATE KEY";
    private static final String EC_PARAMETERS = "EC PARAMETERS";
    private static final String ENCRYPTED_PKCS8 = "ENCRYPTED PRIVATE KEY";
    private static final Set<String> KEY_LABELS = Set.of(PKCS8, PKCS1_RSA, SEC1_EC, ENCRYPTED_PKCS8,
            "DSA PRIVATE KEY", "OPENSSH PRIVATE KEY");
    /** The key algorithms a TLS certificate of ours may have, by the OID in a PKCS#8 AlgorithmIdentifier. */
    private static final Map<ASN1ObjectIdentifier, String> ALGORITHMS = Map.of(
            PKCSObjectIdentifiers.rsaEncryption, "RSA",
            X9ObjectIdentifiers.id_ecPublicKey, "EC",
            new ASN1ObjectIdentifier("1.3.101.112"), "Ed25519", // RFC 8410 §3 (the OID lives in bcutil)
            new ASN1ObjectIdentifier("1.3.101.113"), "Ed448");
    private static final String UNENCRYPTED_ONLY = "; snipool reads unencrypted keys only: decrypt it (openssl pkey"
            + " -in KEY -out PLAIN) and protect the file by its permissions";

    private PemPrivateKeys() {
    }

    /** True for the label of a block holding a private key of any form, readable here or not. */
    static boolean isKeyBlock(String label) {
        return KEY_LABELS.contains(label);
    }

    /** The one private key of {@code blocks}. */
    static ValueParser.Parsed<PrivateKey> privateKey(List<PemReader.Block> blocks) {
        List<PemReader.Block> keys = new ArrayList<>();
        PemReader.Block curve = null;
        for (PemReader.Block block : blocks) {
            if (isKeyBlock(block.label())) {
                keys.add(block);
            } else if (block.label().equals(EC_PARAMETERS)) {
                curve = block;
            } else if (!block.label().equals("CERTIFICATE")) {
                return refused("line " + block.line() + ": a " + block.label() + " block, where a private key"
                        + " (and its certificates) belong");
            }
        }
        if (keys.isEmpty()) {
            return refused("holds no private key (expected BEGIN PRIVATE KEY, BEGIN RSA PRIVATE KEY or BEGIN EC"
                    + " PRIVATE KEY)");
        }
        if (keys.size() > 1) {
            return refused("holds " + keys.size() + " private keys (lines " + keys.get(0).line() + " and "
                    + keys.get(1).line() + "); give each key its own file");
        }
        return decode(keys.get(0), curve);
    }

    private static ValueParser.Parsed<PrivateKey> decode(PemReader.Block key, PemReader.Block curve) {
        String where = "line " + key.line() + ": ";
        String procType = key.headers().getOrDefault("Proc-Type", "");
        if (key.label().equals(ENCRYPTED_PKCS8) || procType.contains("ENCRYPTED")) {
            return refused(where + "the key is encrypted (" + (procType.isEmpty() ? "BEGIN " + ENCRYPTED_PKCS8
                    : "Proc-Type: " + procType) + ")" + UNENCRYPTED_ONLY);
        }
        try {
            return switch (key.label()) {
                case PKCS8 -> pkcs8(where, PrivateKeyInfo.getInstance(key.der()));
                case PKCS1_RSA -> pkcs8(where, new PrivateKeyInfo(new AlgorithmIdentifier(
                        PKCSObjectIdentifiers.rsaEncryption, DERNull.INSTANCE), RSAPrivateKey.getInstance(key.der())));
                case SEC1_EC -> sec1(where, ECPrivateKey.getInstance(key.der()), curve);
                default -> refused(where + "a " + key.label() + " is not supported; use an RSA, EC or Ed25519 key"
                        + " (openssl pkey converts to BEGIN PRIVATE KEY)");
            };
        } catch (IOException | RuntimeException e) {
            // Bouncy Castle's getInstance throws IllegalArgumentException (or an ASN.1 parsing exception) on bytes
            // that are not the structure named by the label.
            return refused(where + "the " + key.label() + " block is not a valid key (" + e.getMessage() + ")");
        }
    }

    private static ValueParser.Parsed<PrivateKey> sec1(String where, ECPrivateKey key, PemReader.Block curveBlock)
            throws IOException {
        ASN1Object parameters = key.getParametersObject();
        if (parameters == null && curveBlock == null) {
            return refused(where + "the EC key names no curve, and no EC PARAMETERS block comes with it");
        }
        X962Parameters curve = X962Parameters.getInstance(parameters != null ? parameters
                : ASN1Primitive.fromByteArray(curveBlock.der()));
        if (!curve.isNamedCurve()) {
            return refused(where + "the EC key has explicit curve parameters; use a named curve (openssl ecparam"
                    + " -param_enc named_curve)");
        }
        return pkcs8(where, new PrivateKeyInfo(new AlgorithmIdentifier(X9ObjectIdentifiers.id_ecPublicKey,
                curve.getParameters()), key));
    }

    private static ValueParser.Parsed<PrivateKey> pkcs8(String where, PrivateKeyInfo info) throws IOException {
        ASN1ObjectIdentifier oid = info.getPrivateKeyAlgorithm().getAlgorithm();
        String algorithm = ALGORITHMS.get(oid);
        if (algorithm == null) {
            return refused(where + "key algorithm " + oid.getId() + " is not supported; use an RSA, EC or Ed25519"
                    + " key");
        }
        try {
            return new ValueParser.Parsed.Accepted<>(KeyFactory.getInstance(algorithm)
                    .generatePrivate(new PKCS8EncodedKeySpec(info.getEncoded())));
        } catch (GeneralSecurityException e) {
            return refused(where + "not a valid " + algorithm + " private key (" + e.getMessage() + ")");
        }
    }

    private static ValueParser.Parsed<PrivateKey> refused(String reason) {
        return new ValueParser.Parsed.Refused<>(reason);
    }
}
