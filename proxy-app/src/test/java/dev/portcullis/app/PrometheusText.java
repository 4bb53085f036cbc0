package dev.portcullis.app;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A strict parser of the Prometheus text exposition format 0.0.4, what {@code /metrics} serves, so
 * that metric tests read the endpoint the way Prometheus does rather than through Micrometer.
 *
 * <pre>{@code
 * PrometheusText metrics = PrometheusText.parse(admin.get("/metrics").bodyText());
 * assertThat(metrics.value("portcullis_tls_handshakes_total{reason=\"none\",result=\"ok\"}")).isEqualTo(1);
 * assertThat(metrics.type("portcullis_tls_handshakes_total")).contains("counter");
 * }</pre>
 *
 * Series keys are {@code name{label="value",...}} with the labels sorted by name and values
 * escaped as in the format ({@code \\}, {@code \"}, {@code \n}); a series without labels is just
 * its name. Parsing fails with the line number on anything Prometheus would reject: a malformed
 * sample line, a bad name, an unknown escape, a value that is not a float, a series given twice,
 * a second {@code # TYPE} or {@code # HELP} for one family, or text not ending in a newline.
 */
final class PrometheusText {

    private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Pattern TYPES = Pattern.compile("counter|gauge|histogram|summary|untyped");

    /** One sample line. */
    record Sample(String name, Map<String, String> labels, double value) {

        /** The series key, {@code name{a="1",b="2"}}. */
        String series() {
            return key(name, labels);
        }
    }

    private final Map<String, Sample> samples;
    private final Map<String, String> types;
    private final Map<String, String> help;

    private PrometheusText(Map<String, Sample> samples, Map<String, String> types, Map<String, String> help) {
        this.samples = Collections.unmodifiableMap(samples);
        this.types = Collections.unmodifiableMap(types);
        this.help = Collections.unmodifiableMap(help);
    }

    /** @throws IllegalArgumentException naming the line, when the text is not valid exposition text */
    static PrometheusText parse(String text) {
        if (!text.isEmpty() && !text.endsWith("\n")) {
            throw new IllegalArgumentException("exposition text must end with a newline");
        }
        Map<String, Sample> samples = new LinkedHashMap<>();
        Map<String, String> types = new LinkedHashMap<>();
        Map<String, String> help = new LinkedHashMap<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length - 1; i++) {
            String line = lines[i];
            try {
                if (line.isBlank()) {
                    continue;
                }
                if (line.startsWith("#")) {
                    comment(line, types, help);
                    continue;
                }
                Sample sample = new LineReader(line).sample();
                if (samples.putIfAbsent(sample.series(), sample) != null) {
                    throw new IllegalArgumentException("series given twice: " + sample.series());
                }
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("line " + (i + 1) + ": " + e.getMessage() + ": " + line, e);
            }
        }
        return new PrometheusText(samples, types, help);
    }

    /** Every series key and its value, in exposition order. */
    Map<String, Double> samples() {
        Map<String, Double> values = new LinkedHashMap<>();
        samples.forEach((series, sample) -> values.put(series, sample.value()));
        return values;
    }

    /** The samples of metric {@code name} (e.g. {@code foo_bucket}), in exposition order. */
    List<Sample> samples(String name) {
        return samples.values().stream().filter(s -> s.name().equals(name)).toList();
    }

    /** The value of one series, written as {@code name{a="1",b="2"}} (labels in any order). */
    Optional<Double> find(String series) {
        Sample sample = samples.get(normalise(series));
        return sample == null ? Optional.empty() : Optional.of(sample.value());
    }

    /** As {@link #find}; a missing series fails the test, listing the series of that name that exist. */
    double value(String series) {
        return find(series).orElseThrow(() -> {
            String name = series.contains("{") ? series.substring(0, series.indexOf('{')) : series;
            List<String> similar = samples.keySet().stream().filter(s -> s.startsWith(name)).toList();
            return new AssertionError("no series " + series + " in the exposition; series of that name: " + similar);
        });
    }

    boolean contains(String series) {
        return find(series).isPresent();
    }

    /** The {@code # TYPE} of a metric family. */
    Optional<String> type(String family) {
        return Optional.ofNullable(types.get(family));
    }

    /** The {@code # HELP} text of a metric family, unescaped. */
    Optional<String> help(String family) {
        return Optional.ofNullable(help.get(family));
    }

    Map<String, String> types() {
        return types;
    }

    private static void comment(String line, Map<String, String> types, Map<String, String> help) {
        String[] parts = line.split("[ \t]+", 4);
        if (parts.length < 3 || !parts[0].equals("#") || !(parts[1].equals("TYPE") || parts[1].equals("HELP"))) {
            return; // an ordinary comment
        }
        String family = parts[2];
        if (!METRIC_NAME.matcher(family).matches()) {
            throw new IllegalArgumentException("bad metric name " + family);
        }
        String rest = parts.length == 4 ? parts[3] : "";
        if (parts[1].equals("TYPE")) {
            if (!TYPES.matcher(rest.strip()).matches()) {
                throw new IllegalArgumentException("unknown type " + rest);
            }
            if (types.putIfAbsent(family, rest.strip()) != null) {
                throw new IllegalArgumentException("second TYPE for " + family);
            }
        } else if (help.putIfAbsent(family, unescapeHelp(rest)) != null) {
            throw new IllegalArgumentException("second HELP for " + family);
        }
    }

    private static String unescapeHelp(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != '\\') {
                out.append(c);
                continue;
            }
            if (++i == text.length()) {
                throw new IllegalArgumentException("HELP ends in a backslash");
            }
            switch (text.charAt(i)) {
                case '\\' -> out.append('\\');
                case 'n' -> out.append('\n');
                default -> throw new IllegalArgumentException("bad escape in HELP: \\" + text.charAt(i));
            }
        }
        return out.toString();
    }

    /** {@code name{b="2",a="1"}} as its canonical key {@code name{a="1",b="2"}}. */
    private static String normalise(String series) {
        Sample sample = new LineReader(series + " 0").sample();
        return sample.series();
    }

    private static String key(String name, Map<String, String> labels) {
        if (labels.isEmpty()) {
            return name;
        }
        List<String> pairs = new ArrayList<>();
        new TreeMap<>(labels).forEach((label, value) -> pairs.add(label + "=\"" + value
                .replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\""));
        return name + "{" + String.join(",", pairs) + "}";
    }

    /** Reads one sample line: {@code name [{labels}] value [timestamp]}. */
    private static final class LineReader {

        private final String line;
        private int pos;

        LineReader(String line) {
            this.line = line;
        }

        Sample sample() {
            skipBlanks();
            String name = token(METRIC_NAME, "metric name", "{ \t");
            Map<String, String> labels = new LinkedHashMap<>();
            skipBlanks();
            if (pos < line.length() && line.charAt(pos) == '{') {
                pos++;
                labels(labels);
            }
            skipBlanks();
            double value = number(word("value"));
            skipBlanks();
            if (pos < line.length()) {
                String timestamp = word("timestamp");
                if (!timestamp.matches("-?[0-9]+")) {
                    throw new IllegalArgumentException("bad timestamp " + timestamp);
                }
                skipBlanks();
                if (pos < line.length()) {
                    throw new IllegalArgumentException("text after the timestamp");
                }
            }
            return new Sample(name, Collections.unmodifiableMap(labels), value);
        }

        private void labels(Map<String, String> labels) {
            while (true) {
                skipBlanks();
                if (peek() == '}') {
                    pos++;
                    return;
                }
                String label = token(LABEL_NAME, "label name", "= \t");
                skipBlanks();
                expect('=');
                skipBlanks();
                expect('"');
                if (labels.put(label, quoted()) != null) {
                    throw new IllegalArgumentException("label given twice: " + label);
                }
                skipBlanks();
                char next = peek();
                pos++;
                if (next == '}') {
                    return;
                }
                if (next != ',') {
                    throw new IllegalArgumentException("expected , or } after a label value");
                }
            }
        }

        private String quoted() {
            StringBuilder value = new StringBuilder();
            while (true) {
                char c = peek();
                pos++;
                if (c == '"') {
                    return value.toString();
                }
                if (c != '\\') {
                    value.append(c);
                    continue;
                }
                char escaped = peek();
                pos++;
                switch (escaped) {
                    case '\\' -> value.append('\\');
                    case '"' -> value.append('"');
                    case 'n' -> value.append('\n');
                    default -> throw new IllegalArgumentException("bad escape in a label value: \\" + escaped);
                }
            }
        }

        private String token(Pattern pattern, String what, String terminators) {
            int start = pos;
            while (pos < line.length() && terminators.indexOf(line.charAt(pos)) < 0) {
                pos++;
            }
            String token = line.substring(start, pos);
            if (!pattern.matcher(token).matches()) {
                throw new IllegalArgumentException("bad " + what + " \"" + token + "\"");
            }
            return token;
        }

        private String word(String what) {
            int start = pos;
            while (pos < line.length() && line.charAt(pos) != ' ' && line.charAt(pos) != '\t') {
                pos++;
            }
            if (start == pos) {
                throw new IllegalArgumentException("missing " + what);
            }
            return line.substring(start, pos);
        }

        private static double number(String text) {
            switch (text) {
                case "+Inf", "Inf" -> {
                    return Double.POSITIVE_INFINITY;
                }
                case "-Inf" -> {
                    return Double.NEGATIVE_INFINITY;
                }
                case "NaN" -> {
                    return Double.NaN;
                }
                default -> {
                    // Go's ParseFloat syntax, less hex and underscores; Java would also take "1f" or "Infinity".
                    if (!text.matches("[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?")) {
                        throw new IllegalArgumentException("bad value " + text);
                    }
                    return Double.parseDouble(text);
                }
            }
        }

        private void expect(char c) {
            if (peek() != c) {
                throw new IllegalArgumentException("expected " + c + " at column " + (pos + 1));
            }
            pos++;
        }

        private char peek() {
            if (pos >= line.length()) {
                throw new IllegalArgumentException("line ends early");
            }
            return line.charAt(pos);
        }

        private void skipBlanks() {
            while (pos < line.length() && (line.charAt(pos) == ' ' || line.charAt(pos) == '\t')) {
                pos++;
            }
        }
    }
}
