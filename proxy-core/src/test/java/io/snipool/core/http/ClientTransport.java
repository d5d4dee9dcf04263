package io.snipool.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/** The three ways the integration tests send requests through the proxy. */
enum ClientTransport {

    /** All requests one after the other on one connection. */
    KEEP_ALIVE,
    /** Each request on its own connection, with {@code Connection: close}; the proxy must close after answering. */
    CLOSE,
    /** All requests written at once on one connection, then all responses read. */
    PIPELINED;

    /** A request as the tests build it. */
    record Request(String method, String host, String target, List<String> fields, byte[] body, boolean chunked) {

        static Request get(String host, String target) {
            return new Request("GET", host, target, List.of(), null, false);
        }

        static Request post(String host, String target, byte[] body, boolean chunked) {
            return new Request("POST", host, target, List.of(), body, chunked);
        }

        /** The same request with more header fields, each a whole line without CRLF. */
        Request with(String... more) {
            List<String> all = new ArrayList<>(fields);
            all.addAll(Arrays.asList(more));
            return new Request(method, host, target, all, body, chunked);
        }

        byte[] wire(boolean close) {
            StringBuilder head = new StringBuilder(method + " " + target + " HTTP/1.1\r\nHost: " + host + "\r\n");
            fields.forEach(field -> head.append(field).append("\r\n"));
            if (close) {
                head.append("Connection: close\r\n");
            }
            if (body != null) {
                head.append(chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + body.length + "\r\n");
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
            if (body != null) {
                out.writeBytes(chunked ? Payloads.chunked(body, 100_000) : body);
            }
            return out.toByteArray();
        }
    }

    /** Sends every request the way this transport does and returns the responses in order. */
    List<HttpWire.Response> exchangeAll(int port, List<Request> requests) throws Exception {
        List<HttpWire.Response> responses = new ArrayList<>();
        switch (this) {
            case KEEP_ALIVE -> {
                try (RawClient client = new RawClient(port)) {
                    for (Request request : requests) {
                        client.send(request.wire(false));
                        responses.add(read(client, request));
                    }
                }
            }
            case CLOSE -> {
                for (Request request : requests) {
                    try (RawClient client = new RawClient(port)) {
                        client.send(request.wire(true));
                        HttpWire.Response response = read(client, request);
                        assertThat(response.header("Connection")).isEqualTo("close");
                        assertThat(client.closedByPeer()).as("closed after Connection: close").isTrue();
                        responses.add(response);
                    }
                }
            }
            case PIPELINED -> {
                try (RawClient client = new RawClient(port)) {
                    ByteArrayOutputStream all = new ByteArrayOutputStream();
                    requests.forEach(request -> all.writeBytes(request.wire(false)));
                    // Written by another thread: with large bodies both directions must flow at once.
                    Thread writer = writeInBackground(client, all.toByteArray());
                    for (Request request : requests) {
                        responses.add(read(client, request));
                    }
                    writer.join(RawClient.READ_TIMEOUT.toMillis());
                }
            }
            default -> throw new IllegalStateException(name());
        }
        return responses;
    }

    /**
     * Sends each body with {@code Expect: 100-continue}, waiting for the interim response before the body, and
     * returns the final responses. Pipelined: the next head follows a body without waiting for its response.
     */
    List<HttpWire.Response> expectContinue(int port, String host, List<String> bodies) throws Exception {
        List<HttpWire.Response> finals = new ArrayList<>();
        RawClient shared = this == CLOSE ? null : new RawClient(port);
        try {
            String pendingBody = null;
            for (String body : bodies) {
                RawClient client = shared != null ? shared : new RawClient(port);
                String head = "PUT /upload HTTP/1.1\r\nHost: " + host + "\r\nExpect: 100-continue\r\nContent-Length: "
                        + body.length() + "\r\n" + (this == CLOSE ? "Connection: close\r\n" : "") + "\r\n";
                if (this == PIPELINED && pendingBody != null) {
                    client.send(pendingBody + head);
                    finals.add(client.read());
                } else {
                    client.send(head);
                }
                HttpWire.Response interim = client.read();
                assertThat(interim.status()).isEqualTo(100);
                if (this == PIPELINED) {
                    pendingBody = body;
                    continue;
                }
                client.send(body);
                finals.add(client.read());
                if (shared == null) {
                    client.close();
                }
            }
            if (pendingBody != null) {
                shared.send(pendingBody);
                finals.add(shared.read());
            }
        } finally {
            if (shared != null) {
                shared.close();
            }
        }
        return finals;
    }

    /** A plain request, then an upgrade on the same connection (but for CLOSE), then bytes both ways. */
    void upgradeAndEcho(int port, String host) throws Exception {
        String warm = "GET /warm HTTP/1.1\r\nHost: " + host + "\r\n" + (this == CLOSE ? "Connection: close\r\n" : "")
                + "\r\n";
        String upgrade = "GET /chat HTTP/1.1\r\nHost: " + host + "\r\nConnection: keep-alive, Upgrade\r\n"
                + "Upgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
        RawClient client = new RawClient(port);
        try {
            switch (this) {
                case KEEP_ALIVE -> {
                    assertThat(client.exchange(warm).bodyText()).isEqualTo("plain /warm");
                    client.send(upgrade);
                }
                case CLOSE -> {
                    assertThat(client.exchange(warm).bodyText()).isEqualTo("plain /warm");
                    client.close();
                    client = new RawClient(port);
                    client.send(upgrade);
                }
                case PIPELINED -> {
                    client.send(warm + upgrade);
                    assertThat(client.read().bodyText()).isEqualTo("plain /warm");
                }
                default -> throw new IllegalStateException(name());
            }
            HttpWire.Response switching = client.read();
            assertThat(switching.status()).isEqualTo(101);
            assertThat(switching.header("Upgrade")).isEqualTo("websocket");
            assertThat(switching.header("Connection")).isEqualToIgnoringCase("upgrade");
            assertThat(client.readBytes(UpgradingBackend.GREETING.length()))
                    .isEqualTo(UpgradingBackend.GREETING);
            for (String message : List.of("ping\n", "x".repeat(100_000))) {
                client.send(message);
                assertThat(client.readBytes(message.length())).isEqualTo(message);
            }
        } finally {
            client.close();
        }
    }

    private static HttpWire.Response read(RawClient client, Request request) throws IOException {
        return request.method().equals("HEAD") ? client.readHead() : client.read();
    }

    private static Thread writeInBackground(RawClient client, byte[] bytes) {
        AtomicReference<IOException> failure = new AtomicReference<>();
        Thread writer = new Thread(() -> {
            try {
                client.send(bytes);
            } catch (IOException e) {
                failure.set(e);
            }
        }, "pipelined-writer");
        writer.setDaemon(true);
        writer.start();
        return writer;
    }
}
