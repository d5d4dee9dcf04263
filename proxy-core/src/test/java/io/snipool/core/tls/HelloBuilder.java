package io.snipool.core.tls;

import static io.snipool.core.tls.Wire.ascii;
import static io.snipool.core.tls.Wire.concat;
import static io.snipool.core.tls.Wire.u16;
import static io.snipool.core.tls.Wire.u8;
import static io.snipool.core.tls.Wire.vector16;
import static io.snipool.core.tls.Wire.vector8;

import java.io.ByteArrayOutputStream;

/**
 * Hand-built ClientHello bodies (RFC 8446 §4.1.2). Each field is held already encoded, so a test can replace any
 * one of them with deliberately wrong bytes.
 */
public final class HelloBuilder {

    public static final int SERVER_NAME = 0;
    static final int ALPN = 16;
    public static final int PADDING = 21;
    static final int ENCRYPTED_CLIENT_HELLO = 0xfe0d;

    private byte[] legacyVersion = u16(0x0303);
    private byte[] random = new byte[32];
    private byte[] sessionId = vector8(new byte[32]);
    private byte[] cipherSuites = vector16(u16(0x1301), u16(0x1302), u16(0xc02f));
    private byte[] compressionMethods = vector8(u8(0));
    private final ByteArrayOutputStream extensions = new ByteArrayOutputStream();
    private byte[] extensionsBlock;
    private boolean withExtensions = true;

    /** A TLS 1.3-style hello with no extensions yet. */
    public HelloBuilder() {
    }

    /** A server_name extension with one host_name entry per name. */
    public HelloBuilder serverName(String... names) {
        byte[][] entries = new byte[names.length][];
        for (int i = 0; i < names.length; i++) {
            entries[i] = serverNameEntry(0, ascii(names[i]));
        }
        return extension(SERVER_NAME, vector16(entries));
    }

    static byte[] serverNameEntry(int nameType, byte[] name) {
        return concat(u8(nameType), vector16(name));
    }

    public HelloBuilder alpn(String... protocols) {
        byte[][] names = new byte[protocols.length][];
        for (int i = 0; i < protocols.length; i++) {
            names[i] = vector8(ascii(protocols[i]));
        }
        return extension(ALPN, vector16(names));
    }

    public HelloBuilder extension(int type, byte[] data) {
        extensions.writeBytes(concat(u16(type), vector16(data)));
        return this;
    }

    /** Appends bytes to the extensions block as they are, e.g. an extension whose length is wrong. */
    HelloBuilder rawExtension(byte[] encoded) {
        extensions.writeBytes(encoded);
        return this;
    }

    /** Ends the hello after compression_methods, as TLS 1.0-era clients may (RFC 5246 §7.4.1.2). */
    public HelloBuilder noExtensions() {
        withExtensions = false;
        return this;
    }

    HelloBuilder legacyVersion(int version) {
        legacyVersion = u16(version);
        return this;
    }

    HelloBuilder sessionIdField(byte[] encoded) {
        sessionId = encoded;
        return this;
    }

    HelloBuilder cipherSuitesField(byte[] encoded) {
        cipherSuites = encoded;
        return this;
    }

    HelloBuilder compressionMethodsField(byte[] encoded) {
        compressionMethods = encoded;
        return this;
    }

    /** Replaces the whole extensions block, length prefix included. */
    HelloBuilder extensionsField(byte[] encoded) {
        extensionsBlock = encoded;
        return this;
    }

    public byte[] body() {
        byte[] block = extensionsBlock != null ? extensionsBlock
                : withExtensions ? vector16(extensions.toByteArray()) : new byte[0];
        return concat(legacyVersion, random, sessionId, cipherSuites, compressionMethods, block);
    }

    /** Offset in {@link #body()} where the extensions block starts. */
    int extensionsOffset() {
        return legacyVersion.length + random.length + sessionId.length + cipherSuites.length
                + compressionMethods.length;
    }

    /** The body with its handshake header. */
    public byte[] message() {
        return Wire.handshake(1, body());
    }

    /** The message in as few records as the 2^14 record limit allows. */
    public byte[] records() {
        return Wire.records(message(), ClientHelloFramer.MAX_PLAINTEXT_RECORD_LENGTH);
    }
}
