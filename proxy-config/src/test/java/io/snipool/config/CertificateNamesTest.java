package io.snipool.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The one rule for "does this certificate name cover this host" (RFC 6125 §6.4.3, RFC 9525 §6.3). */
class CertificateNamesTest {

    @ParameterizedTest(name = "{0} covers {1}: {2}")
    @CsvSource(delimiter = '|', textBlock = """
            # exact names
            a.example.com          | a.example.com          | true
            a.example.com          | b.example.com          | false
            a.example.com          | example.com            | false
            a.example.com          | x.a.example.com        | false
            localhost              | localhost              | true
            # case and one trailing dot, on either side
            A.Example.COM          | a.example.com          | true
            a.example.com          | A.EXAMPLE.com          | true
            a.example.com.         | a.example.com          | true
            a.example.com          | a.example.com.         | true
            a.example.com          | a.example.com..        | false
            # a wildcard is exactly one leftmost label
            *.example.com          | a.example.com          | true
            *.example.com          | A.EXAMPLE.COM.         | true
            *.Example.com          | a.example.com          | true
            *.example.com          | example.com            | false
            *.example.com          | a.b.example.com        | false
            *.example.com          | .example.com           | false
            *.example.com          | aexample.com           | false
            *.example.com          | a.example.org          | false
            *.b.example.com        | a.b.example.com        | true
            *.b.example.com        | a.example.com          | false
            # at least two labels after the wildcard
            *.com                  | example.com            | false
            *.test                 | a.test                 | false
            *                      | a.example.com          | false
            # no partial-label wildcards, no wildcard past the leftmost label
            a*.example.com         | ab.example.com         | false
            *a.example.com         | ba.example.com         | false
            a*.example.com         | a*.example.com         | false
            a.*.example.com        | a.b.example.com        | false
            *.*.example.com        | a.b.example.com        | false
            # IDN labels are plain A-labels
            xn--bcher-kva.example  | xn--bcher-kva.example  | true
            xn--bcher-kva.example  | XN--BCHER-KVA.example  | true
            *.example.org          | xn--bcher-kva.example.org | true
            xn--*.example.org      | xn--bcher-kva.example.org | false
            xn--bcher-kva.example  | bücher.example         | false
            # IP literals are never covered by a DNS name, even one spelled like them
            10.0.0.1               | 10.0.0.1               | false
            *.0.0.1                | 10.0.0.1               | false
            ::1                    | ::1                    | false
            *.example.com          | [::1]                  | false
            # nothing covers an empty host
            *.example.com          | ''                     | false
            """)
    void coversByRfc6125(String pattern, String host, boolean covered) {
        assertThat(CertificateNames.covers(pattern, host)).isEqualTo(covered);
    }

    @Test
    void coveredByAnyOfTheNames() {
        List<String> names = List.of("a.example.com", "*.wild.example.com");
        assertThat(CertificateNames.coveredBy(names, "a.example.com")).isTrue();
        assertThat(CertificateNames.coveredBy(names, "x.wild.example.com")).isTrue();
        assertThat(CertificateNames.coveredBy(names, "wild.example.com")).isFalse();
        assertThat(CertificateNames.coveredBy(List.of(), "a.example.com")).isFalse();
    }
}
