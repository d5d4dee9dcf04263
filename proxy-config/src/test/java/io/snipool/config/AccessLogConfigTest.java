package io.snipool.config;

import static io.snipool.config.OneListenerFile.parse;
import static io.snipool.config.OneListenerFile.problems;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@code access_log.format} and {@code access_log.fields}: read, and refused. */
class AccessLogConfigTest {

    @Test
    void fieldsAreWrittenInTheOrderListed() throws Exception {
        AccessLogConfig log = parse("access_log: { fields: [request_id, status, user_agent, retries] }\n")
                .accessLog();

        assertThat(log.format()).isEqualTo(AccessLogConfig.Format.JSON);
        assertThat(log.fields()).containsExactly(AccessLogField.REQUEST_ID, AccessLogField.STATUS,
                AccessLogField.USER_AGENT, AccessLogField.RETRIES);
        assertThat(log.written()).isEqualTo(log.fields());
    }

    @Test
    void combinedWritesItsFixedFields() throws Exception {
        AccessLogConfig log = parse("access_log: { format: combined }\n").accessLog();

        assertThat(log.format()).isEqualTo(AccessLogConfig.Format.COMBINED);
        assertThat(log.written()).isEqualTo(AccessLogConfig.COMBINED_FIELDS).contains(AccessLogField.REQUEST_ID,
                AccessLogField.USER_AGENT, AccessLogField.REFERER);
    }

    @Test
    void anUnknownFieldIsRefusedWithTheValidOnes() {
        assertThat(problems("access_log:\n  fields: [status, upstream_conect_ms]\n")).containsExactly(
                "access_log.fields[1]: unknown access log field 'upstream_conect_ms' (did you mean"
                + " 'upstream_connect_ms'?); valid fields: time, kind, listener, client, host, method, path, protocol,"
                + " route, backend, status, backend_status, outcome, bytes_in, bytes_out, duration_ms,"
                + " upstream_connect_ms, upstream_first_byte_ms, pool, stale_retry, attempts, retries, request_id,"
                + " user_agent, referer, tls_version, cipher, sni (line 4, column 20)");
    }

    @Test
    void aFieldListedTwiceIsRefused() {
        assertThat(problems("access_log:\n  fields: [status, time, status]\n")).containsExactly(
                "access_log.fields[2]: field 'status' is listed twice (line 4, column 26)");
    }

    @Test
    void anEmptyFieldListIsRefused() {
        assertThat(problems("access_log:\n  fields: []\n")).containsExactly(
                "access_log.fields: fields must list at least one entry (line 4, column 11)");
    }

    @Test
    void fieldsWithTheCombinedFormatAreRefused() {
        assertThat(problems("access_log:\n  format: combined\n  fields: [status]\n")).containsExactly(
                "access_log.fields: fields selects the fields of json lines; the combined format is fixed (remove"
                + " fields, or use format: json) (line 5, column 3)");
    }

    @Test
    void anUnknownFormatIsRefused() {
        assertThat(problems("access_log: { format: clf }\n")).containsExactly(
                "access_log.format: expected one of json, combined; got 'clf' (line 3, column 23)");
    }
}
