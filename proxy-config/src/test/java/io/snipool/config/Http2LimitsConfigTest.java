package io.snipool.config;

import static io.snipool.config.OneListenerFile.parse;
import static io.snipool.config.OneListenerFile.problems;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The top-level {@code http2} block: defaults, every key read, and each range refused one past either edge. */
class Http2LimitsConfigTest {

    @Test
    void withoutTheBlockEveryDefaultApplies() throws Exception {
        assertThat(parse("").http2()).isEqualTo(Http2Limits.defaults());
        assertThat(Http2Limits.defaults()).isEqualTo(new Http2Limits(100, 65_536, 4096, 16_384, 65_536, 1_048_576,
                1_000_000, 200, Duration.ofSeconds(30), 10_000, 16, 2, Duration.ofSeconds(30)));
    }

    @Test
    void everyKeyIsRead() throws Exception {
        Http2Limits limits = parse("""
                http2:
                  max_concurrent_streams: 250
                  max_header_list_size: 32KiB
                  header_table_size: 8KiB
                  max_frame_size: 1MiB
                  initial_window_size: 256KiB
                  connection_window_size: 16MiB
                  max_requests_per_connection: 5
                  max_resets_per_window: 50
                  reset_window: 10s
                  max_queued_control_frames: 100
                  max_small_continuation_frames: 4
                  max_consecutive_empty_data_frames: 3
                  window_stall_timeout: 200ms
                """).http2();

        assertThat(limits).isEqualTo(new Http2Limits(250, 32 * 1024, 8 * 1024, 1024 * 1024, 256 * 1024,
                16 * 1024 * 1024, 5, 50, Duration.ofSeconds(10), 100, 4, 3, Duration.ofMillis(200)));
    }

    /**
     * Each edge is accepted, and one step beyond it refused with the range in the file's own units ({@code none}:
     * the edge is the smallest size there is).
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            max_concurrent_streams            | 1       | 100000     | 0          | 100001     | 1 and 100000
            max_header_list_size              | 1KiB    | 1MiB       | 1023       | 1048577    | 1KiB and 1MiB
            header_table_size                 | 0       | 64KiB      | none        | 65537      | 0 and 64KiB
            max_frame_size                    | 16KiB   | 16777215   | 16383      | 16MiB      | 16KiB and 16777215
            initial_window_size               | 1KiB    | 2147483647 | 1023       | 2GiB       | 1KiB and 2147483647
            connection_window_size            | 64KiB   | 2147483647 | 65535      | 2GiB       | 64KiB and 2147483647
            max_requests_per_connection       | 1       | 1073741824 | 0          | 1073741825 | 1 and 1073741824
            max_resets_per_window             | 1       | 1000000    | 0          | 1000001    | 1 and 1000000
            reset_window                      | 1s      | 1h         | 999ms      | 3601s      | 1s and 1h
            max_queued_control_frames         | 1       | 1000000    | 0          | 1000001    | 1 and 1000000
            max_small_continuation_frames     | 1       | 10000      | 0          | 10001      | 1 and 10000
            max_consecutive_empty_data_frames | 1       | 10000      | 0          | 10001      | 1 and 10000
            window_stall_timeout              | 1ms     | 1h         | 0          | 61m        | 1ms and 1h
            """)
    void eachKeyIsCheckedAtBothEdges(String key, String min, String max, String below, String above,
                                     String range) throws Exception {
        parse("http2: { " + key + ": " + min + " }\n");
        parse("http2: { " + key + ": " + max + " }\n");

        if (!below.equals("none")) {
            assertThat(problems("http2: { " + key + ": " + below + " }\n")).containsExactly(
                    "http2." + key + ": must be between " + range + ", got " + below + " (line 3, column "
                            + (12 + key.length()) + ")");
        }
        assertThat(problems("http2: { " + key + ": " + above + " }\n")).containsExactly(
                "http2." + key + ": must be between " + range + ", got " + above + " (line 3, column "
                        + (12 + key.length()) + ")");
    }

    @Test
    void theResetWindowIsWholeSeconds() {
        assertThat(problems("http2: { reset_window: 1500ms }\n")).containsExactly("http2.reset_window: must be whole"
                + " seconds (Netty counts the reset window in seconds), got 1500ms (line 3, column 24)");
    }

    @Test
    void anUnknownKeyIsRefusedWithASuggestion() {
        assertThat(problems("http2: { max_concurent_streams: 10 }\n")).singleElement().asString()
                .startsWith("http2.max_concurent_streams: unknown key 'max_concurent_streams'")
                .contains("max_concurrent_streams");
    }
}
