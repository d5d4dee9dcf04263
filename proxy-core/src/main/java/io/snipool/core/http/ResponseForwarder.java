package io.snipool.core.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.snipool.core.tunnel.Tunnel;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Carries a backend's response to the client: interim 1xx responses, the final head with its hop-by-hop fields
 * replaced and its framing fitted to the client (chunked for an HTTP/1.1 client when the backend gave no length,
 * close-delimited for an HTTP/1.0 one), the body with back-pressure, and a 101 that turns both connections into a
 * tunnel. Records what the reuse decision needs.
 */
final class ResponseForwarder {

    private final Exchange exchange;
    private final ClientSide session;
    private final Channel client;
    private final boolean clientHttp10;
    private final boolean head;
    private final RequestLog log;

    /** Where the response is, as the forwarder sees it. */
    private enum Stage {
        /** Waiting for a head: the first one, or the next after an interim response. */
        HEAD,
        /** An interim (1xx) response is passing through to an HTTP/1.1 client. */
        INTERIM_FORWARDED,
        /** An interim response is being dropped: an HTTP/1.0 client does not get one. */
        INTERIM_DROPPED,
        /** A 101 went to the client; once it ends, both connections become a tunnel. */
        UPGRADING,
        /** The final head went to the client; the body is streaming. */
        BODY,
        /** The final response ended. */
        COMPLETE
    }

    private Stage stage = Stage.HEAD;
    private int code;
    private ResponseFraming framing;
    private boolean clientKeepsAlive;

    ResponseForwarder(Exchange exchange, ClientSide session, boolean clientHttp10, boolean head, RequestLog log) {
        this.log = log;
        this.exchange = exchange;
        this.session = session;
        // Writes to the client use the void promise: a failed write surfaces as exceptionCaught in the client's
        // pipeline, where the session closes the connection and the exchange learns of it.
        this.client = session.channel();
        this.clientHttp10 = clientHttp10;
        this.head = head;
    }

    /** Handles one message from the backend decoder (ownership passes). */
    void forward(Object message) {
        if (message instanceof HttpResponse response) {
            if (response.decoderResult().isFailure()) {
                ReferenceCountUtil.release(message);
                exchange.responseBroken("malformed response: " + response.decoderResult().cause().getMessage());
                return;
            }
            responseHead(response);
        } else if (message instanceof HttpContent content) {
            responseContent(content);
        } else if (message instanceof ByteBuf raw && stage == Stage.UPGRADING) {
            log.bytesOut(raw.readableBytes());
            client.write(raw, client.voidPromise()); // bytes of the upgraded protocol that came with the 101
        } else {
            ReferenceCountUtil.release(message);
        }
    }

    private void responseHead(HttpResponse response) {
        code = response.status().code();
        if (code == 101) {
            if (!exchange.upgradeRequested()) {
                exchange.responseBroken("101 Switching Protocols without an Upgrade");
                return;
            }
            stage = Stage.UPGRADING;
            ForwardingHeaders.removeHopByHop(response.headers(), true);
            exchange.responseBegan();
            session.headRequest(false);
            client.write(response, client.voidPromise());
            return;
        }
        if (code < 200) {
            // RFC 9110 §15.2: interim responses go to HTTP/1.1 clients only.
            stage = clientHttp10 ? Stage.INTERIM_DROPPED : Stage.INTERIM_FORWARDED;
            if (stage == Stage.INTERIM_FORWARDED) {
                ForwardingHeaders.removeHopByHop(response.headers(), false);
                session.headRequest(false);
                client.write(response, client.voidPromise());
            }
            return;
        }
        boolean backendHttp10 = response.protocolVersion().equals(HttpVersion.HTTP_1_0);
        Optional<Duration> backendKeepAlive = keepAliveTimeout(response.headers().get("keep-alive"));
        boolean chunked = HttpUtil.isTransferEncodingChunked(response);
        boolean hasLength = response.headers().contains(HttpHeaderNames.CONTENT_LENGTH);
        // Most responses have a length and no Transfer-Encoding: no list and no builder for them.
        String codings = response.headers().contains(HttpHeaderNames.TRANSFER_ENCODING)
                ? otherCodings(response.headers().getAll(HttpHeaderNames.TRANSFER_ENCODING)) : "";
        List<String> tokens = ForwardingHeaders.removeHopByHop(response.headers(), false);
        boolean bodyless = head || code == 204 || code == 304;
        framing = new ResponseFraming(backendHttp10, tokens.contains("keep-alive"), tokens.contains("close"),
                !bodyless && !chunked && !hasLength, backendKeepAlive);
        clientKeepsAlive = exchange.clientKeepAlive() && exchange.requestComplete() && !session.isClosing();
        if (!bodyless && !hasLength) {
            if (clientHttp10 && !codings.isEmpty()) {
                // RFC 9112 §6.1: no Transfer-Encoding to an HTTP/1.0 client, and snipool does not decode codings.
                exchange.responseBroken("transfer coding '" + codings + "' cannot be passed to an HTTP/1.0 client");
                return;
            }
            if (clientHttp10) {
                clientKeepsAlive = false; // an HTTP/1.0 client knows no chunked: the close ends the body
            } else {
                // The body is re-chunked hop by hop; any other coding the backend applied (gzip) stays on it.
                response.headers().set(HttpHeaderNames.TRANSFER_ENCODING,
                        codings.isEmpty() ? HttpHeaderValues.CHUNKED : codings + ", chunked");
            }
        }
        if (!clientKeepsAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (clientHttp10) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        response.setProtocolVersion(HttpVersion.HTTP_1_1);
        stage = Stage.BODY;
        exchange.responseBegan();
        session.headRequest(head);
        client.write(response, client.voidPromise());
    }

    private void responseContent(HttpContent content) {
        if (stage == Stage.INTERIM_FORWARDED || stage == Stage.INTERIM_DROPPED) {
            if (stage == Stage.INTERIM_FORWARDED) {
                client.write(content, client.voidPromise());
            } else {
                content.release();
            }
            if (content instanceof LastHttpContent) {
                stage = Stage.HEAD;
            }
            return;
        }
        if (content.decoderResult().isFailure()) {
            String reason = content.decoderResult().cause().getMessage();
            content.release();
            exchange.responseBroken("malformed response body: " + reason);
            return;
        }
        if (stage == Stage.UPGRADING) {
            client.write(content, client.voidPromise());
            if (content instanceof LastHttpContent) {
                switchToTunnel();
            }
            return;
        }
        log.bytesOut(content.content().readableBytes());
        client.write(content, client.voidPromise());
        if (content instanceof LastHttpContent) {
            stage = Stage.COMPLETE;
            client.flush();
            exchange.responseComplete();
        }
    }

    /** After a forwarded 101: both connections stop speaking HTTP and become the two ends of a tunnel. */
    private void switchToTunnel() {
        // The client's bytes sent before the 101 go to the backend first, ahead of anything the tunnel reads.
        ByteBuf held = session.takeHeldBytes();
        client.flush();
        client.pipeline().remove(HttpProxy.DECODER);
        client.pipeline().remove(HttpProxy.ENCODER);
        client.pipeline().remove(HttpProxy.FLOW);
        BackendConnection connection = exchange.connection();
        Channel backend = connection.channel();
        backend.config().setAutoRead(false);
        backend.pipeline().remove(BackendConnection.ENCODER);
        // Removing the decoder hands on, as raw bytes, whatever the backend sent after the 101.
        backend.pipeline().remove(BackendConnection.DECODER);
        backend.pipeline().remove(BackendConnection.DISPATCHER);
        client.flush();
        exchange.upgraded();
        session.exchangeUpgraded();
        // Removing the flow-control handler handed the session what it held, the end of the client's stream too.
        Tunnel.start(client, ClientSession.NAME, backend, held, session.inputEnded(),
                exchange.listener().timeouts().idle(), new Tunnel.Observer() {
                    @Override
                    public void transferred(Tunnel.Direction direction, int bytes) {
                        if (direction == Tunnel.Direction.CLIENT_TO_BACKEND) {
                            exchange.listener().meters().bytesToBackend(bytes);
                        } else {
                            exchange.listener().meters().bytesToClient(bytes);
                        }
                    }

                    @Override
                    public void closed(Tunnel tunnel, Tunnel.CloseReason reason) {
                        exchange.tunnelClosed();
                    }
                });
    }

    /** The transfer codings other than {@code chunked}, in order, comma-separated; empty if none. */
    static String otherCodings(List<String> transferEncoding) {
        StringBuilder others = new StringBuilder();
        for (String field : transferEncoding) {
            for (String coding : field.split(",")) {
                String name = coding.strip();
                if (!name.isEmpty() && !name.equalsIgnoreCase("chunked")) {
                    others.append(others.length() == 0 ? "" : ", ").append(name);
                }
            }
        }
        return others.toString();
    }

    /** {@code Keep-Alive: timeout=N} (a de-facto header, RFC 2068 §19.7.1.1), if the header gives one. */
    static Optional<Duration> keepAliveTimeout(String header) {
        if (header == null) {
            return Optional.empty();
        }
        for (String parameter : header.split(",")) {
            String[] pair = parameter.strip().split("=", 2);
            if (pair.length == 2 && pair[0].strip().toLowerCase(Locale.ROOT).equals("timeout")) {
                try {
                    long seconds = Long.parseLong(pair[1].strip());
                    return seconds > 0 ? Optional.of(Duration.ofSeconds(seconds)) : Optional.empty();
                } catch (NumberFormatException e) {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }

    /** The final response ended. */
    boolean complete() {
        return stage == Stage.COMPLETE;
    }

    int code() {
        return code;
    }

    /** What the final head said; asked for only once the response is complete. */
    ResponseFraming framing() {
        if (framing == null) {
            throw new IllegalStateException("no final response head yet");
        }
        return framing;
    }

    boolean clientKeepsAlive() {
        return clientKeepsAlive;
    }
}
