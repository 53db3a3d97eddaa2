package io.clusteragent.core.settings;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.origin.Origin;
import org.springframework.boot.origin.OriginLookup;
import org.springframework.boot.origin.SystemEnvironmentOrigin;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;

/**
 * Exposes each documented {@code extra_env} variable that is set under its property name (see
 * {@link DocumentedEnvironment}), so the settings records bind it like any other property and keep
 * the only copy of the default. Placed right after the process environment: an {@code AGENT_*}
 * spelling of the same property, a system property or a command-line argument still wins.
 */
public class DocumentedEnvironmentPostProcessor implements EnvironmentPostProcessor, Ordered {

  private static final String SOURCE_NAME = "documentedEnvironment";

  @Override
  public void postProcessEnvironment(
      ConfigurableEnvironment environment, SpringApplication application) {
    MutablePropertySources sources = environment.getPropertySources();
    PropertySource<?> processEnvironment =
        sources.get(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME);
    if (processEnvironment == null) {
      return;
    }
    Map<String, Object> values = new LinkedHashMap<>();
    Map<String, String> envByProperty = new LinkedHashMap<>();
    DocumentedEnvironment.PROPERTY_BY_ENV.forEach((env, property) -> {
      Object value = processEnvironment.getProperty(env);
      if (value != null) {
        values.put(property, value);
        envByProperty.put(property, env);
      }
    });
    if (!values.isEmpty()) {
      sources.addAfter(
          StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
          new Source(values, envByProperty));
    }
  }

  @Override
  public int getOrder() {
    // After Spring Boot's own processors, so the process environment source is the final one.
    return Ordered.LOWEST_PRECEDENCE;
  }

  /**
   * Reports each value's origin as the environment variable, as Spring does for {@code AGENT_*}.
   */
  private static final class Source extends MapPropertySource implements OriginLookup<String> {

    private final Map<String, String> envByProperty;

    Source(Map<String, Object> values, Map<String, String> envByProperty) {
      super(SOURCE_NAME, values);
      this.envByProperty = envByProperty;
    }

    @Override
    public Origin getOrigin(String property) {
      String env = envByProperty.get(property);
      return env == null ? null : new SystemEnvironmentOrigin(env);
    }
  }
}
