package dev.portcullis.config;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SuggestionsTest {

    private static final List<String> COMMANDS = List.of("run", "validate", "demo", "certs");

    @Test
    void findsOneEditTwoEditsAndSwappedLetters() {
        assertThat(Suggestions.closest("valdate", COMMANDS)).contains("validate");
        assertThat(Suggestions.closest("valdiate", COMMANDS)).contains("validate");
        assertThat(Suggestions.closest("dmeo", COMMANDS)).contains("demo");
        assertThat(Suggestions.closest("CERTS", COMMANDS)).contains("certs");
    }

    @Test
    void suggestsNothingWhenTheWordIsFarFromEveryCandidate() {
        assertThat(Suggestions.closest("x", COMMANDS)).isEmpty();
        assertThat(Suggestions.closest("serve", COMMANDS)).isEmpty();
        assertThat(Suggestions.closest("anything", List.of())).isEmpty();
    }

    @Test
    void countsAnAdjacentSwapAsOneEdit() {
        assertThat(Suggestions.distance("--conifg", "--config")).isEqualTo(1);
        assertThat(Suggestions.distance("abc", "abc")).isZero();
        assertThat(Suggestions.distance("", "abc")).isEqualTo(3);
    }
}
