package dev.portcullis.bench.soak;

import java.util.Map;
import java.util.TreeMap;

/**
 * Reads the few series the soak needs out of the admin endpoint's Prometheus text: the sum of
 * every sample of one metric whose labels include the given {@code name="value"} pairs. Not a
 * general parser (proxy-app's tests have a strict one); it relies on what Micrometer writes: one
 * sample per line, {@code name{labels} value}, no timestamps, and no label value containing
 * {@code "} or {@code ,}.
 */
final class MetricsText {

    private final String text;

    MetricsText(String text) {
        this.text = text;
    }

    /** Sum over the series of {@code name} that carry every one of {@code labels}, e.g. {@code memory_type="direct"}. */
    double sum(String name, String... labels) {
        double sum = 0;
        for (Map.Entry<String, Double> series : series(name).entrySet()) {
            if (hasAll(series.getKey(), labels)) {
                sum += series.getValue();
            }
        }
        return sum;
    }

    /** Label value to value, for one label of {@code name}'s series that carry {@code labels}. */
    Map<String, Double> byLabel(String name, String label, String... labels) {
        Map<String, Double> values = new TreeMap<>();
        String prefix = label + "=\"";
        series(name).forEach((key, value) -> {
            int start = key.indexOf(prefix);
            if (start >= 0 && hasAll(key, labels)) {
                int from = start + prefix.length();
                values.merge(key.substring(from, key.indexOf('"', from)), value, Double::sum);
            }
        });
        return values;
    }

    /** The series of {@code name}, keyed by their label part ({@code {a="1",b="2"}} or empty). */
    private Map<String, Double> series(String name) {
        Map<String, Double> series = new TreeMap<>();
        for (String line : text.split("\n")) {
            if (line.startsWith(name) && line.length() > name.length()
                    && (line.charAt(name.length()) == '{' || line.charAt(name.length()) == ' ')) {
                int space = line.lastIndexOf(' ');
                series.put(line.substring(name.length(), space).strip(), Double.parseDouble(line.substring(space + 1)));
            }
        }
        return series;
    }

    private static boolean hasAll(String labelPart, String... labels) {
        for (String label : labels) {
            if (!(labelPart.contains("{" + label) || labelPart.contains("," + label))) {
                return false;
            }
        }
        return true;
    }
}
