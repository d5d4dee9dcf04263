package io.snipool.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Turns the text of one scalar into a value, or into the reason it is refused. Pure: {@link YamlMap} records a
 * refusal with the key path and position, so a parser only says what is wrong with the text.
 */
@FunctionalInterface
interface ValueParser<T> {

    Parsed<T> parse(String text);

    /** What a parser made of a text. */
    sealed interface Parsed<T> {

        record Accepted<T>(T value) implements Parsed<T> {
        }

        /** @param reason the problem's message, fit for the user */
        record Refused<T>(String reason) implements Parsed<T> {
        }
    }

    /**
     * This parser, then {@code check} of the text and the value it gave: for ranges and other rules a value must
     * also meet. A refusal of this parser is passed on unchecked.
     */
    default <R> ValueParser<R> then(BiFunction<String, T, Parsed<R>> check) {
        return text -> {
            Parsed<T> parsed = parse(text);
            if (parsed instanceof Parsed.Refused<T> refused) {
                return new Parsed.Refused<>(refused.reason());
            }
            return check.apply(text, ((Parsed.Accepted<T>) parsed).value());
        };
    }

    /** A parser that throws {@link IllegalArgumentException}, with a message fit for the user, to refuse. */
    static <T> ValueParser<T> throwing(Function<String, T> parse) {
        return text -> {
            try {
                return new Parsed.Accepted<>(parse.apply(text));
            } catch (IllegalArgumentException e) {
                return new Parsed.Refused<>(e.getMessage());
            }
        };
    }

    /** Any text, as written. */
    static ValueParser<String> text() {
        return Parsed.Accepted::new;
    }

    /** {@code true} or {@code false}; nothing else ({@code yes}, {@code on}) is guessed. */
    static ValueParser<Boolean> bool() {
        return text -> switch (text) {
            case "true" -> new Parsed.Accepted<>(true);
            case "false" -> new Parsed.Accepted<>(false);
            default -> new Parsed.Refused<>("expected true or false, got '" + text + "'");
        };
    }

    /** A whole number within {@code min..max}; {@code _} may group digits ({@code 10_000}). */
    static ValueParser<Long> wholeNumber(long min, long max) {
        ValueParser<Long> number = text -> {
            try {
                return new Parsed.Accepted<>(Long.parseLong(text.replace("_", "")));
            } catch (NumberFormatException e) {
                return new Parsed.Refused<>("expected a whole number, got '" + text + "'");
            }
        };
        return number.then((text, value) -> value < min || value > max
                ? outOfRange(Long.toString(min), Long.toString(max), Long.toString(value))
                : new Parsed.Accepted<>(value));
    }

    /** A decimal number ({@code 1.2}, {@code 2}) within {@code min..max}; no exponent, NaN or infinity. */
    static ValueParser<Double> decimal(double min, double max) {
        ValueParser<Double> number = text -> text.matches("[0-9]+(\\.[0-9]+)?")
                ? new Parsed.Accepted<>(Double.parseDouble(text))
                : new Parsed.Refused<>("expected a decimal number such as 1.5, got '" + text + "'");
        return number.then((text, value) -> value < min || value > max
                ? outOfRange(plain(min), plain(max), text) : new Parsed.Accepted<>(value));
    }

    /** A duration ({@link Units#parseDuration}) within {@code min..max}. */
    static ValueParser<Duration> duration(Duration min, Duration max) {
        return throwing(Units::parseDuration).then((text, value) -> value.compareTo(min) < 0
                || value.compareTo(max) > 0
                ? outOfRange(Units.formatDuration(min), Units.formatDuration(max), text)
                : new Parsed.Accepted<>(value));
    }

    /** A duration within {@code min..max} that is a whole number of seconds ({@code 2s}, {@code 1m}; not {@code 1500ms}). */
    static ValueParser<Duration> wholeSeconds(Duration min, Duration max) {
        return duration(min, max).then((text, value) -> value.toNanos() % 1_000_000_000L != 0
                ? new Parsed.Refused<>("must be whole seconds, got '" + text + "'")
                : new Parsed.Accepted<>(value));
    }

    /** A size in bytes ({@link Units#parseSize}) within {@code min..max}. */
    static ValueParser<Integer> size(int min, int max) {
        return throwing(Units::parseSize).then((text, bytes) -> bytes < min || bytes > max
                ? outOfRange(Units.formatSize(min), Units.formatSize(max), text)
                : new Parsed.Accepted<>((int) (long) bytes));
    }

    /** One of {@code type}'s constants, written in lower case; a close miss gets a suggestion. */
    static <E extends Enum<E>> ValueParser<E> choice(Class<E> type) {
        return text -> {
            List<String> names = new ArrayList<>();
            for (E constant : type.getEnumConstants()) {
                String name = constant.name().toLowerCase(Locale.ROOT);
                if (name.equals(text)) {
                    return new Parsed.Accepted<>(constant);
                }
                names.add(name);
            }
            return new Parsed.Refused<>("expected one of " + String.join(", ", names) + "; got '" + text + "'"
                    + Suggestions.didYouMean(text, names));
        };
    }

    /** {@code 1} for 1.0, {@code 1.5} for 1.5. */
    private static String plain(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }

    /** "limit X, got Y", in the file's own words: {@code must be between 1KiB and 16MiB, got 17MiB}. */
    private static <R> Parsed<R> outOfRange(String min, String max, String got) {
        return new Parsed.Refused<>("must be between " + min + " and " + max + ", got " + got);
    }
}
