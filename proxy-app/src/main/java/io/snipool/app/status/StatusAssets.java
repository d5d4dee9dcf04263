package io.snipool.app.status;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Properties;

/**
 * The status page's files, served from the jar: the page, its script and style, and uPlot from its webjar. No CDN:
 * the admin server often runs where there is no internet, and the page's Content-Security-Policy allows nothing but
 * the admin server itself. Read once when mounted (about 60 KB), so a request touches neither disk nor class loader.
 */
public final class StatusAssets {

    /** What the uPlot webjar says of itself, its version among it: its files' path includes the version. */
    private static final String UPLOT_PROPERTIES = "META-INF/maven/org.webjars.npm/uplot/pom.properties";

    private static final String HTML = "text/html; charset=utf-8";
    private static final String JAVASCRIPT = "text/javascript; charset=utf-8";
    private static final String CSS = "text/css; charset=utf-8";
    private static final String POLICY = "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

    private record Asset(String contentType, Buffer body) {
    }

    private StatusAssets() {
    }

    /** {@code GET /} and {@code GET /status}: the page; {@code GET /status/<file>}: what it loads. */
    public static void mount(Router router) {
        String uplot = "META-INF/resources/webjars/uplot/" + uplotVersion() + "/dist/";
        Asset page = load("status/index.html", HTML);
        router.get("/").handler(ctx -> serve(ctx, page));
        router.get("/status").handler(ctx -> serve(ctx, page));
        Map.of("status.js", load("status/status.js", JAVASCRIPT),
                "status.css", load("status/status.css", CSS),
                "uPlot.iife.min.js", load(uplot + "uPlot.iife.min.js", JAVASCRIPT),
                "uPlot.min.css", load(uplot + "uPlot.min.css", CSS))
                .forEach((file, asset) -> router.get("/status/" + file).handler(ctx -> serve(ctx, asset)));
    }

    private static void serve(RoutingContext ctx, Asset asset) {
        ctx.response()
                .putHeader(HttpHeaders.CONTENT_TYPE, asset.contentType())
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
                .putHeader("X-Content-Type-Options", "nosniff")
                .putHeader("Content-Security-Policy", POLICY)
                .end(asset.body());
    }

    private static Asset load(String resource, String contentType) {
        return new Asset(contentType, Buffer.buffer(read(resource)));
    }

    private static String uplotVersion() {
        Properties properties = new Properties();
        try {
            properties.load(new ByteArrayInputStream(read(UPLOT_PROPERTIES)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + UPLOT_PROPERTIES + " from the jar", e);
        }
        return properties.getProperty("version");
    }

    private static byte[] read(String resource) {
        try (InputStream in = StatusAssets.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("the jar lacks " + resource);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource + " from the jar", e);
        }
    }
}
