package io.snipool.core.health;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.snipool.config.HealthCheckConfig;
import io.snipool.config.Units;
import io.snipool.core.backend.BackendHandshake;
import io.snipool.core.backend.HandshakeFailure;
import io.snipool.core.backend.HostResolver;
import io.snipool.core.backend.TargetConnector;
import io.snipool.core.backend.TlsTarget;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs active checks on one event loop, each on a connection of its own that it closes when done: a TCP connect,
 * then for a TLS target the handshake ({@link BackendHandshake}, with the route's {@code backend_tls} settings), then
 * for an {@code http} check {@code GET path HTTP/1.1} with {@code Connection: close}, judged by the status line
 * alone. The whole check, connect included, must end within its {@code timeout}.
 */
public final class NettyProber implements Prober {

    /** What an {@code http} check sends as {@code User-Agent}, so that backends can tell checks from traffic. */
    static final String USER_AGENT = "snipool-health-check";

    private final EventLoop loop;
    private final ChannelFactory<? extends Channel> channels;
    private final HostResolver resolver;

    public NettyProber(EventLoop loop, ChannelFactory<? extends Channel> channels, HostResolver resolver) {
        this.loop = loop;
        this.channels = channels;
        this.resolver = resolver;
    }

    @Override
    public void probe(ProbeTarget target, Consumer<CheckResult> done) {
        loop.execute(() -> new Probe(target, done).start());
    }

    /** One check, from the connect to its result. Runs on the prober's loop. */
    private final class Probe extends ChannelInboundHandlerAdapter {

        /** Where the check is; {@link #DONE} once its result is told. */
        private enum Stage { CONNECTING, HANDSHAKING, AWAITING_STATUS, DONE }

        private final ProbeTarget target;
        private final Consumer<CheckResult> done;
        private final long startedNanos = System.nanoTime();
        private Stage stage = Stage.CONNECTING;
        private Channel channel;
        private ScheduledFuture<?> timer;

        Probe(ProbeTarget target, Consumer<CheckResult> done) {
            this.target = target;
            this.done = done;
        }

        void start() {
            Duration timeout = target.check().timeout();
            timer = loop.schedule(() -> finish(CheckResult.Kind.TIMEOUT, "no result within "
                    + Units.formatDuration(timeout) + " (" + stage.name().toLowerCase(Locale.ROOT) + ")"),
                    timeout.toNanos(), TimeUnit.NANOSECONDS);
            // A connect timeout of its own as well, so that a backend that never answers leaves no socket behind.
            new TargetConnector(loop, channels, resolver, timeout).connect(target.address(), false, true,
                    () -> stage == Stage.DONE, new TargetConnector.Callback() {
                        @Override
                        public void connected(Channel connected) {
                            channel = connected;
                            afterConnect();
                        }

                        @Override
                        public void failed(String reason) {
                            finish(CheckResult.Kind.CONNECT_FAILED, reason);
                        }
                    });
        }

        private void afterConnect() {
            if (target.tls().isPresent()) {
                stage = Stage.HANDSHAKING;
                TlsTarget tls = target.tls().get();
                Duration left = target.check().timeout().minusNanos(System.nanoTime() - startedNanos);
                BackendHandshake.start(channel, tls, target.address().port(), left.isNegative() ? Duration.ZERO : left,
                        new BackendHandshake.Outcome() {
                            @Override
                            public void established(boolean resumed) {
                                afterHandshake();
                            }

                            @Override
                            public void failed(HandshakeFailure.Diagnosis diagnosis) {
                                finish(diagnosis.reason() == HandshakeFailure.TIMEOUT ? CheckResult.Kind.TIMEOUT
                                        : CheckResult.Kind.TLS_FAILED, "TLS handshake for " + tls.sni() + " failed ("
                                        + diagnosis.reason().label() + "): " + diagnosis.detail());
                            }
                        });
            } else {
                afterHandshake();
            }
        }

        private void afterHandshake() {
            if (target.type() != HealthCheckConfig.Type.HTTP) {
                finish(CheckResult.Kind.OK, target.tls().isPresent() ? "handshake done" : "connected");
                return;
            }
            stage = Stage.AWAITING_STATUS;
            channel.pipeline().addLast(new HttpRequestEncoder(), new HttpResponseDecoder(), this);
            FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET,
                    target.check().path());
            request.headers().set(HttpHeaderNames.HOST, target.host())
                    .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
                    .set(HttpHeaderNames.USER_AGENT, USER_AGENT)
                    .set(HttpHeaderNames.CONTENT_LENGTH, 0);
            channel.writeAndFlush(request).addListener(written -> {
                if (!written.isSuccess()) {
                    finish(CheckResult.Kind.BAD_RESPONSE, "cannot send the request: " + written.cause());
                }
            });
            channel.config().setAutoRead(true);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object message) {
            try {
                if (stage != Stage.AWAITING_STATUS || !(message instanceof HttpResponse response)) {
                    return; // the body, or what follows the head: the status said it all
                }
                if (response.decoderResult().isFailure()) {
                    finish(CheckResult.Kind.BAD_RESPONSE, "malformed response: "
                            + response.decoderResult().cause().getMessage());
                    return;
                }
                int status = response.status().code();
                if (target.check().expects(status)) {
                    finish(CheckResult.Kind.OK, "status " + status);
                } else {
                    finish(CheckResult.Kind.BAD_STATUS, "status " + status + ", expected "
                            + target.check().expectStatus());
                }
            } finally {
                ReferenceCountUtil.release(message);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            finish(CheckResult.Kind.BAD_RESPONSE, "the backend closed the connection before a status line");
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            finish(CheckResult.Kind.BAD_RESPONSE, "connection failed: " + cause.getMessage());
        }

        /** Tells the result once, and closes the connection: a check's connection is never reused. */
        private void finish(CheckResult.Kind kind, String detail) {
            if (stage == Stage.DONE) {
                return;
            }
            stage = Stage.DONE;
            timer.cancel(false);
            if (channel != null) {
                channel.close();
            }
            done.accept(new CheckResult(kind, detail, System.nanoTime() - startedNanos));
        }
    }
}
