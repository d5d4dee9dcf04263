package io.snipool.core.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.Test;

class TlsAlertTest {

    private static String hex(int description) {
        ByteBuf record = TlsAlert.fatal(description, new UnpooledByteBufAllocator(false));
        try {
            return ByteBufUtil.hexDump(record);
        } finally {
            record.release();
        }
    }

    @Test
    void unrecognizedNameIsOneSevenByteRecord() {
        // alert(21), TLS 1.2 record version, length 2, fatal(2), unrecognized_name(112)
        assertThat(hex(TlsAlert.UNRECOGNIZED_NAME)).isEqualTo("15030300020270");
    }

    @Test
    void internalError() {
        assertThat(hex(TlsAlert.INTERNAL_ERROR)).isEqualTo("15030300020250");
    }
}
