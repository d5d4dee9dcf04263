package io.snipool.core.http;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A deliberately small HTTP/1.1 reader for the test ends (raw clients and raw backends), independent of the Netty
 * codecs under test: heads as ordered fields with their case kept, bodies by Content-Length, chunked (with trailers)
 * or the end of the connection.
 */
final class HttpWire {

    private HttpWire() {
    }

    /** Where the reader takes its bytes: one byte, or -1 at the end of the stream. */
    @FunctionalInterface
    interface ByteSource {
        int read() throws IOException;
    }

    record Field(String name, String value) {
    }

    /** What a head and its body looked like on the wire. */
    record Message(String startLine, List<Field> fields, byte[] body, List<Field> trailers, boolean chunked) {

        /** The first value of {@code name}, case-insensitively, or null. */
        String header(String name) {
            return fields.stream().filter(field -> field.name().equalsIgnoreCase(name)).map(Field::value)
                    .findFirst().orElse(null);
        }

        List<String> all(String name) {
            return fields.stream().filter(field -> field.name().equalsIgnoreCase(name)).map(Field::value)
                    .toList();
        }

        List<String> names() {
            return fields.stream().map(Field::name).toList();
        }

        String bodyText() {
            return new String(body, StandardCharsets.ISO_8859_1);
        }
    }

    /** A request as a backend received it. */
    record Request(Message message) {
        String method() {
            return message.startLine().split(" ", 3)[0];
        }

        String target() {
            return message.startLine().split(" ", 3)[1];
        }

        String version() {
            return message.startLine().split(" ", 3)[2];
        }

        String header(String name) {
            return message.header(name);
        }
    }

    /** A response as a client received it. */
    record Response(Message message) {
        int status() {
            return Integer.parseInt(message.startLine().split(" ", 3)[1]);
        }

        String version() {
            return message.startLine().split(" ", 3)[0];
        }

        String header(String name) {
            return message.header(name);
        }

        String bodyText() {
            return message.bodyText();
        }

        byte[] body() {
            return message.body();
        }
    }

    /** The next request, or null if the stream ended before its first byte. */
    static Request readRequest(ByteSource in) throws IOException {
        Request head = readRequestHead(in);
        return head == null ? null : readRequestBody(in, head);
    }

    /** The head of the next request (its body not read yet), or null if the stream ended first. */
    static Request readRequestHead(ByteSource in) throws IOException {
        String startLine = readLine(in, true);
        if (startLine == null) {
            return null;
        }
        return new Request(new Message(startLine, readFields(in), new byte[0], List.of(), false));
    }

    /** The body of a request whose head {@link #readRequestHead} read. */
    static Request readRequestBody(ByteSource in, Request head) throws IOException {
        return new Request(readBody(in, head.message(), BodyRule.REQUEST));
    }

    /**
     * The next response, interim ones included (the caller reads again after a 1xx).
     *
     * @param headRequest the request was HEAD: no body whatever the fields say
     */
    static Response readResponse(ByteSource in, boolean headRequest) throws IOException {
        String startLine = readLine(in, true);
        if (startLine == null) {
            throw new EOFException("connection closed before a response");
        }
        List<Field> fields = readFields(in);
        Message head = new Message(startLine, fields, new byte[0], List.of(), false);
        int status = Integer.parseInt(startLine.split(" ", 3)[1]);
        boolean bodyless = headRequest || status < 200 || status == 204 || status == 304;
        return new Response(readBody(in, head, bodyless ? BodyRule.NONE : BodyRule.RESPONSE));
    }

    private enum BodyRule { NONE, REQUEST, RESPONSE }

    private static Message readBody(ByteSource in, Message head, BodyRule rule) throws IOException {
        if (rule == BodyRule.NONE) {
            return head;
        }
        String transferEncoding = head.header("transfer-encoding");
        if (transferEncoding != null && transferEncoding.toLowerCase(Locale.ROOT).contains("chunked")) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            while (true) {
                String sizeLine = readLine(in, false);
                int extension = sizeLine.indexOf(';');
                int size = Integer.parseInt((extension < 0 ? sizeLine : sizeLine.substring(0, extension)).strip(),
                        16);
                if (size == 0) {
                    break;
                }
                readFully(in, body, size);
                if (!readLine(in, false).isEmpty()) {
                    throw new IOException("chunk not followed by CRLF");
                }
            }
            List<Field> trailers = readFields(in);
            return new Message(head.startLine(), head.fields(), body.toByteArray(), trailers, true);
        }
        String length = head.header("content-length");
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (length != null) {
            readFully(in, body, Long.parseLong(length.strip()));
        } else if (rule == BodyRule.RESPONSE) {
            for (int b = in.read(); b >= 0; b = in.read()) {
                body.write(b);
            }
        }
        return new Message(head.startLine(), head.fields(), body.toByteArray(), List.of(), false);
    }

    private static void readFully(ByteSource in, ByteArrayOutputStream body, long length) throws IOException {
        for (long i = 0; i < length; i++) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("body ended after " + i + " of " + length + " bytes");
            }
            body.write(b);
        }
    }

    private static List<Field> readFields(ByteSource in) throws IOException {
        List<Field> fields = new ArrayList<>();
        for (String line = readLine(in, false); !line.isEmpty(); line = readLine(in, false)) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IOException("malformed field line '" + line + "'");
            }
            fields.add(new Field(line.substring(0, colon), line.substring(colon + 1).strip()));
        }
        return fields;
    }

    /** A CRLF-terminated line without its CRLF; null at the end of the stream if {@code endAllowed}. */
    private static String readLine(ByteSource in, boolean endAllowed) throws IOException {
        StringBuilder line = new StringBuilder();
        while (true) {
            int b = in.read();
            if (b < 0) {
                if (endAllowed && line.isEmpty()) {
                    return null;
                }
                throw new EOFException("stream ended inside a line: '" + line + "'");
            }
            if (b == '\n') {
                if (line.isEmpty() || line.charAt(line.length() - 1) != '\r') {
                    throw new IOException("bare LF after '" + line + "'");
                }
                line.setLength(line.length() - 1);
                return line.toString();
            }
            line.append((char) b);
        }
    }
}
