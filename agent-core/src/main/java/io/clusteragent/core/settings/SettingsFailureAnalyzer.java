package io.clusteragent.core.settings;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.validation.BindValidationException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.env.Environment;
import org.springframework.validation.FieldError;
import org.springframework.validation.ObjectError;

/**
 * Turns a bad {@code agent.*} setting into one line that names the setting as a user sets it (Helm
 * value and environment variable) and the accepted values. Never echoes the value of a secret.
 */
public class SettingsFailureAnalyzer implements FailureAnalyzer {

  private final Environment environment;

  /** Spring passes the environment so values written as {@code ${ENV:default}} show as resolved. */
  public SettingsFailureAnalyzer(Environment environment) {
    this.environment = environment;
  }

  /** The documented extra_env knobs keep their own names; everything else is {@code AGENT_*}. */
  private static final Map<String, String> EXTRA_ENV =
      Map.of(
          "kubernetes.http2-enabled", "KUBERNETES_HTTP2_ENABLED",
          "kubernetes.request-max-attempts", "KUBERNETES_REQUEST_MAX_ATTEMPTS",
          "kubernetes.proxy-unary-concurrency", "KUBE_PROXY_UNARY_CONCURRENCY",
          "kubernetes.proxy-stream-concurrency", "KUBE_PROXY_STREAM_CONCURRENCY",
          "kubernetes.dynamic-api-discovery-enabled", "DYNAMIC_API_DISCOVERY_ENABLED",
          "kubernetes.forward-service-request-max-timeout-seconds", "FORWARD_SERVICE_REQUEST_MAX_TIMEOUT_SECONDS",
          "reconcile.auto-heal-enabled", "RECONCILE_AUTO_HEAL_ENABLED");

  @Override
  public FailureAnalysis analyze(Throwable failure) {
    BindValidationException validation = findCause(failure, BindValidationException.class);
    if (validation != null && validation.getValidationErrors().getName().toString().startsWith("agent")) {
      List<String> problems = new ArrayList<>();
      for (ObjectError error : validation.getValidationErrors()) {
        if (error instanceof FieldError field) {
          problems.add(describe(kebab(field.getField()), field.getRejectedValue(), error.getDefaultMessage()));
        } else {
          problems.add(error.getDefaultMessage());
        }
      }
      return analysis(String.join("; ", problems), failure);
    }
    BindException bind = findCause(failure, BindException.class);
    if (bind != null && bind.getName().toString().startsWith("agent.") && bind.getProperty() != null) {
      String relative = bind.getName().toString().substring("agent.".length());
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
    return new FailureAnalysis("invalid setting: " + description, "fix the setting and restart", failure);
  }

  static String describe(String relativeProperty, Object value, String accepted) {
    String helmValue = relativeProperty.replace('-', '_');
    String env = EXTRA_ENV.getOrDefault(relativeProperty, "AGENT_" + relativeProperty.replace('.', '_').replace('-', '_').toUpperCase(Locale.ROOT));
    boolean secret = relativeProperty.startsWith("token") || value instanceof Secret;
    String shown = secret ? "<redacted>" : "'" + value + "'";
    String name = EXTRA_ENV.containsKey(relativeProperty) ? env : helmValue + " (env " + env + ")";
    return name + " = " + shown + " is not accepted; expected " + accepted;
  }

  private static String accepted(Class<?> type) {
    if (type.isEnum()) {
      return "one of " + String.join(", ", Arrays.stream(type.getEnumConstants()).map(Object::toString).toList());
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
