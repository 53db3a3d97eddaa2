package io.clusteragent.core.settings;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.validation.BindValidationException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.env.Environment;
import org.springframework.validation.FieldError;
import org.springframework.validation.ObjectError;

/**
 * Turns a bad {@code agent.*} setting into one line that names the setting as a user sets it (Helm
 * value and environment variable, or the documented {@code extra_env} name from {@link
 * DocumentedEnvironment}) and the accepted values. Never echoes the value of a secret.
 */
public class SettingsFailureAnalyzer implements FailureAnalyzer {

  private final Environment environment;

  /**
   * Spring passes the environment so a value written with a {@code ${...}} placeholder shows as
   * resolved.
   */
  public SettingsFailureAnalyzer(Environment environment) {
    this.environment = environment;
  }

  @Override
  public FailureAnalysis analyze(Throwable failure) {
    BindValidationException validation = findCause(failure, BindValidationException.class);
    if (validation != null
        && isAgentSetting(validation.getValidationErrors().getName().toString())) {
      // Several records bind under "agent" or below it (agent.reconcile, agent.nats): field paths
      // are
      // relative to the record's own prefix, so put it back before naming the setting.
      String recordPrefix = relative(validation.getValidationErrors().getName().toString());
      List<String> problems = new ArrayList<>();
      for (ObjectError error : validation.getValidationErrors()) {
        if (error instanceof FieldError field) {
          String property =
              (recordPrefix.isEmpty() ? "" : recordPrefix + ".") + kebab(field.getField());
          problems.add(describe(property, field.getRejectedValue(), error.getDefaultMessage()));
        } else {
          problems.add(error.getDefaultMessage());
        }
      }
      return analysis(String.join("; ", problems), failure);
    }
    BindException bind = findCause(failure, BindException.class);
    if (bind != null
        && bind.getName().toString().startsWith("agent.")
        && bind.getProperty() != null) {
      String relative = relative(bind.getName().toString());
      Class<?> type = bind.getTarget().getType().resolve(Object.class);
      Object value = bind.getProperty().getValue();
      if (value instanceof String text && environment != null) {
        value = environment.resolvePlaceholders(text);
      }
      return analysis(describe(relative, value, accepted(type)), failure);
    }
    return null;
  }

  private static FailureAnalysis analysis(String description, Throwable failure) {
    return new FailureAnalysis(
        "invalid setting: " + description, "fix the setting and restart", failure);
  }

  /** {@code relativeProperty} is below "agent", e.g. {@code public-ip.lookup-url}. */
  static String describe(String relativeProperty, Object value, String accepted) {
    boolean secret = relativeProperty.startsWith("token") || value instanceof Secret;
    String shown = secret ? "<redacted>" : "'" + value + "'";
    // A documented extra_env knob is set by that name alone (it has no Helm value of its own);
    // every other setting by its Helm value, which the chart passes as AGENT_*.
    String name =
        DocumentedEnvironment.envFor("agent." + relativeProperty)
            .orElseGet(() ->
                relativeProperty.replace('-', '_')
                    + " (env AGENT_"
                    + relativeProperty.replace('.', '_').replace('-', '_').toUpperCase(Locale.ROOT)
                    + ")");
    return name + " = " + shown + " is not accepted; expected " + accepted;
  }

  private static boolean isAgentSetting(String name) {
    return name.equals("agent") || name.startsWith("agent.");
  }

  private static String relative(String agentProperty) {
    return agentProperty.equals("agent") ? "" : agentProperty.substring("agent.".length());
  }

  private static String accepted(Class<?> type) {
    if (type.isEnum()) {
      return "one of "
          + String.join(
              ", ", Arrays.stream(type.getEnumConstants()).map(Object::toString).toList());
    }
    if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
      return "an integer";
    }
    if (type == boolean.class || type == Boolean.class) {
      return "true or false";
    }
    if (type == java.net.URI.class) {
      return "an http:// or https:// URL";
    }
    return "a value of type " + type.getSimpleName();
  }

  private static String kebab(String javaPath) {
    return javaPath.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
  }

  private static <T extends Throwable> T findCause(Throwable failure, Class<T> type) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return null;
  }
}
