package io.snipool.core.health;

import io.micrometer.core.instrument.Counter;
import io.snipool.core.testbed.Await;
import io.snipool.core.testbed.TestProxy;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import java.util.ArrayList;
import java.util.List;

/** Requests and counter readings the health integration tests share: GETs for {@code api.test} on listener "web". */
final class HealthTraffic {

    private HealthTraffic() {
    }

    /** {@code n} GETs one after another over one keep-alive connection; the answers as {@code status name}. */
    static List<String> requests(Vertx vertx, TestProxy proxy, int n) {
        HttpClient client = vertx.createHttpClient(); // one request at a time: one connection
        try {
            List<String> answers = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                answers.add(Await.result(client.request(HttpMethod.GET, proxy.port("web"), "127.0.0.1", "/work")
                        // body() asked for inside send()'s callback: chained after it, from this non-Vert.x
                        // thread, the body can arrive before its handler (vert.x PR 4705) and be lost.
                        .compose(request -> request.putHeader("Host", "api.test").send()
                                .compose(response -> response.body().map(body -> response.statusCode() + " " + body)))));
            }
            return answers;
        } finally {
            Await.result(client.close());
        }
    }

    static double counter(TestProxy proxy, String name, String... tags) {
        Counter counter = proxy.registry().find(name).tags(tags).counter();
        return counter == null ? 0 : counter.count();
    }
}
