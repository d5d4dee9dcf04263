package io.snipool.app.migrate;

import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.config.HostPattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** sniproxy table patterns (after its tokenizer removed one level of backslashes) as snipool hosts. */
class PcreHostPatternTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiterString = " => ", value = {
        // plain domains, anchored or not, become exact names
        "^example\\.com$ => example.com",
        "example\\.com => example.com",
        "^Example\\.COM$ => example.com",
        "^example.com$ => example.com",
        // any name below a domain
        "^.*\\.example\\.com$ => *.example.com",
        ".*\\.example\\.com => *.example.com",
        "\\.example\\.com$ => *.example.com",
        ".+\\.example\\.com$ => *.example.com",
        // every name
        ".* => *",
        "^.*$ => *",
        // the rest: anchored regexes, the alternation grouped so that the anchors hold for all of it
        "^(www|api)\\.example\\.com$ => ~^(www|api)\\.example\\.com$",
        "^a\\.example$|^b\\.example$ => ~^(?:a\\.example$|^b\\.example)$",
        "[0-9]+\\.cdn\\.example => ~^[0-9]+\\.cdn\\.example$",
        "^Shop[0-9]\\.example$ => ~(?i)^Shop[0-9]\\.example$",
    })
    void translates(String pattern, String expected) {
        PcreHostPattern.Result result = PcreHostPattern.translate(pattern);

        assertThat(result).isInstanceOf(PcreHostPattern.Translated.class);
        String host = ((PcreHostPattern.Translated) result).host();
        assertThat(host).isEqualTo(expected);
        HostPattern.parse(host);
    }

    @ParameterizedTest
    @CsvSource(delimiterString = " => ", value = {
        "example\\.com => was unanchored: it also matched every name containing it",
        ".*\\.example\\.com => was unanchored at the end",
        "[0-9]+\\.cdn\\.example => was unanchored: it matched any name containing a match",
        "^[0-9]+\\.cdn\\.example => was unanchored at the end: it matched any name containing a match",
        "^example.com$ => an unescaped '.' in 'example.com' matched any character",
    })
    void saysWhatTheTranslationChanges(String pattern, String note) {
        PcreHostPattern.Translated result = (PcreHostPattern.Translated) PcreHostPattern.translate(pattern);

        assertThat(result.notes()).anySatisfy(text -> assertThat(text).contains(note));
    }

    @ParameterizedTest
    @ValueSource(strings = {"^.*\\.example\\.com$", "^example\\.com$",
        "^(www|api)\\.example\\.com$"})
    void saysNothingWhenTheTranslationIsEquivalent(String pattern) {
        assertThat(((PcreHostPattern.Translated) PcreHostPattern.translate(pattern)).notes()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"^(?P<tenant>[a-z]+)\\.example$", "^a(\\.example$"})
    void refusesWhatJavaCannotCompile(String pattern) {
        assertThat(PcreHostPattern.translate(pattern)).isInstanceOf(PcreHostPattern.Untranslatable.class);
    }
}
