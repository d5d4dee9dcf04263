package io.snipool.app;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmCompilationMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmHeapPressureMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmInfoMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import java.util.List;

/**
 * The JVM's and the process's meters ({@code jvm_*}, {@code process_*}, {@code system_*}): the binders Vert.x's
 * Micrometer metrics bind when {@code jvmMetricsEnabled} is on, bound by snipool itself once the listeners serve.
 * Binding them loads the JDK's management beans and their JMX classes, a tenth of a start-up before the first
 * request when Vert.x did it while being built (docs/performance.md, "Start-up"); none of them counts connections.
 * The GC meters count from when they are bound: a collection during start-up, before that, is not in them.
 */
final class JvmMeters implements AutoCloseable {

    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final JvmHeapPressureMetrics heapPressure = new JvmHeapPressureMetrics();

    /** Binds every meter to {@code registry}; {@link #close} stops the two that listen to collections. */
    static JvmMeters bind(MeterRegistry registry) {
        JvmMeters meters = new JvmMeters();
        for (MeterBinder binder : List.of(new ClassLoaderMetrics(), new JvmCompilationMetrics(), meters.gc,
                meters.heapPressure, new JvmInfoMetrics(), new JvmMemoryMetrics(), new JvmThreadMetrics(),
                new ProcessorMetrics(), new UptimeMetrics())) {
            binder.bindTo(registry);
        }
        return meters;
    }

    @Override
    public void close() {
        gc.close();
        heapPressure.close();
    }
}
