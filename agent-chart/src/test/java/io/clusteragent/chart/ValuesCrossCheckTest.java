package io.clusteragent.chart;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * values.yaml, values.schema.json and the chart README's values table describe the same values:
 * every key of one is in the others. (That the agent binds every variable the chart sets is
 * agent-app's ChartEnvironmentBindingTest; README against values.yaml defaults is
 * DocumentedValuesTest.)
 */
class ValuesCrossCheckTest {

  private static Set<String> valuesKeys() throws IOException {
    return Yamls.flatten(Yamls.load(Files.readString(ChartFiles.valuesYaml()))).keySet();
  }

  private static ValuesSchema schema() throws IOException {
    return ValuesSchema.parse(Files.readString(ChartFiles.valuesSchema()));
  }

  private static Set<String> readmeKeys() throws IOException {
    return ValuesTables.readmeTable(Files.readString(ChartFiles.readme())).keySet();
  }

  @Test
  void everyValuesYamlKeyHasASchemaEntry() throws IOException {
    ValuesSchema schema = schema();

    assertThat(valuesKeys()).filteredOn(key -> !schema.describes(key)).isEmpty();
  }

  @Test
  void everySchemaEntryIsAValuesYamlKey() throws IOException {
    Set<String> values = valuesKeys();

    // a free-form map in the schema (metrics.dashboard.labels) is a key with entries in values.yaml
    assertThat(schema().leaves())
        .hasSizeGreaterThan(60)
        .filteredOn(leaf ->
            !values.contains(leaf) && values.stream().noneMatch(k -> k.startsWith(leaf + ".")))
        .isEmpty();
  }

  @Test
  void everySchemaEntryHasAReadmeRowAndEveryRowASchemaEntry() throws IOException {
    ValuesSchema schema = schema();
    Set<String> readme = readmeKeys();

    assertThat(readme).filteredOn(key -> !schema.describes(key)).isEmpty();
    assertThat(schema.leaves())
        .filteredOn(leaf ->
            !readme.contains(leaf) && readme.stream().noneMatch(k -> k.startsWith(leaf + ".")))
        .isEmpty();
  }

  @Test
  void everyLeafOfTheSchemaIsTyped() throws IOException {
    ValuesSchema schema = schema();

    assertThat(schema.leaves())
        .filteredOn(leaf -> !schema.typed(leaf))
        .as("leaves without type, enum, const or anyOf")
        .isEmpty();
  }

  @Test
  void theSchemaIsDraft07() throws IOException {
    assertThat(schema().root()).containsEntry("$schema", "http://json-schema.org/draft-07/schema#");
  }

  @Test
  void theCrossCheckSeesAMissingEntry() {
    ValuesSchema schema =
        ValuesSchema.parse(
            """
            {"type": "object", "properties": {
              "log_level": {"enum": ["INFO"]},
              "labels": {"type": "object", "additionalProperties": {"type": "string"}}}}
            """);

    assertThat(schema.describes("log_level")).isTrue();
    assertThat(schema.describes("labels.team")).isTrue();
    assertThat(schema.describes("read_worker_count")).isFalse();
    assertThat(schema.leaves()).containsExactly("log_level", "labels");
  }

  /** The property tree of a JSON schema (JSON is YAML, so SnakeYAML reads it). */
  record ValuesSchema(Map<String, Object> root) {

    static ValuesSchema parse(String json) {
      return new ValuesSchema(Yamls.load(json));
    }

    /** Whether a dotted values key is a property, or an entry of a free-form map, of the schema. */
    boolean describes(String key) {
      return node(key) != null;
    }

    boolean typed(String key) {
      Map<String, Object> node = node(key);
      return node != null
          && (node.containsKey("type")
              || node.containsKey("enum")
              || node.containsKey("const")
              || node.containsKey("anyOf"));
    }

    /** Dotted paths of the properties that declare no properties of their own. */
    List<String> leaves() {
      List<String> leaves = new ArrayList<>();
      collect("", root, leaves);
      return leaves;
    }

    private Map<String, Object> node(String key) {
      Map<String, Object> node = root;
      for (String segment : key.split("\\.")) {
        Object properties = node.get("properties");
        Object next = properties instanceof Map<?, ?> map ? map.get(segment) : null;
        if (next == null && node.get("additionalProperties") instanceof Map<?, ?> free) {
          next = free;
        }
        if (next == null) {
          return null;
        }
        node = Yamls.asMap(next);
      }
      return node;
    }

    private static void collect(String prefix, Map<String, Object> node, List<String> leaves) {
      Map<String, Object> properties = Yamls.mapAt(node, "properties");
      if (properties == null || properties.isEmpty()) {
        leaves.add(prefix);
        return;
      }
      properties.forEach((name, child) ->
          collect(prefix.isEmpty() ? name : prefix + "." + name, Yamls.asMap(child), leaves));
    }
  }
}
