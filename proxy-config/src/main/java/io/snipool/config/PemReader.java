package io.snipool.config;

import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Splits PEM text into its blocks (RFC 7468): {@code -----BEGIN LABEL-----}, base64, {@code -----END LABEL-----}.
 * Pure: what the blocks mean is for {@link PemCertificates} and {@link PemPrivateKeys}.
 *
 * <p>Policy per case: text between blocks is ignored (RFC 7468 §5.2 allows explanations, and {@code openssl x509
 * -text} writes them); CR LF and surrounding blanks are accepted; RFC 1421 headers inside a block
 * ({@code Proc-Type}, {@code DEK-Info}, written by the legacy encrypted key forms) are kept for the reader to
 * refuse; a BEGIN without its END, an END without a BEGIN, a label that differs between the two, and base64 that
 * does not decode are refused, naming the line.
 */
final class PemReader {

    private static final String BEGIN = "-----BEGIN ";
    private static final String END = "-----END ";
    private static final String DASHES = "-----";

    /**
     * One block.
     *
     * @param label   what its BEGIN line names: {@code CERTIFICATE}, {@code PRIVATE KEY}, ...
     * @param headers RFC 1421 headers before the base64, in order (usually none)
     * @param der     the decoded bytes
     * @param line    the 1-based line of its BEGIN, for messages
     */
    record Block(String label, Map<String, String> headers, byte[] der, int line) {

        Block {
            headers = Map.copyOf(headers);
        }
    }

    private PemReader() {
    }

    /** Every block of {@code text}, in order; none if it holds no BEGIN line at all. */
    static ValueParser.Parsed<List<Block>> read(String text) {
        List<Block> blocks = new ArrayList<>();
        String[] lines = text.split("\r?\n", -1);
        String label = null;
        int beginLine = 0;
        Map<String, String> headers = new LinkedHashMap<>();
        StringBuilder base64 = new StringBuilder();
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            int lineNumber = i + 1;
            if (label == null) {
                if (line.startsWith(END)) {
                    return refused("line " + lineNumber + ": '" + line + "' without a BEGIN line before it");
                }
                if (line.startsWith(BEGIN)) {
                    label = label(line, BEGIN);
                    if (label == null) {
                        return refused("line " + lineNumber + ": '" + line + "' is not a PEM BEGIN line");
                    }
                    beginLine = lineNumber;
                    headers.clear();
                    base64.setLength(0);
                }
                continue;
            }
            if (line.startsWith(BEGIN)) {
                return refused("line " + beginLine + ": BEGIN " + label + " has no END line before the next BEGIN"
                        + " (line " + lineNumber + ")");
            }
            if (line.startsWith(END)) {
                String endLabel = label(line, END);
                if (!label.equals(endLabel)) {
                    return refused("line " + lineNumber + ": '" + line + "' does not end BEGIN " + label
                            + " (line " + beginLine + ")");
                }
                byte[] der;
                try {
                    der = Base64.getDecoder().decode(base64.toString());
                } catch (IllegalArgumentException e) {
                    return refused("line " + beginLine + ": the " + label + " block is not valid base64 ("
                            + e.getMessage() + ")");
                }
                blocks.add(new Block(label, headers, der, beginLine));
                label = null;
                continue;
            }
            int colon = line.indexOf(':');
            if (base64.length() == 0 && colon > 0) {
                headers.put(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
            } else {
                base64.append(line);
            }
        }
        if (label != null) {
            return refused("line " + beginLine + ": BEGIN " + label + " has no END line");
        }
        return new ValueParser.Parsed.Accepted<>(blocks);
    }

    /** The label of a {@code -----BEGIN X-----} or {@code -----END X-----} line, or null if it is not one. */
    private static String label(String line, String prefix) {
        if (!line.endsWith(DASHES) || line.length() < prefix.length() + DASHES.length()) {
            return null;
        }
        String label = line.substring(prefix.length(), line.length() - DASHES.length());
        return label.isEmpty() || label.contains(DASHES) ? null : label;
    }

    private static ValueParser.Parsed<List<Block>> refused(String reason) {
        return new ValueParser.Parsed.Refused<>(reason);
    }
}
