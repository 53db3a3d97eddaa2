package io.clusteragent.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.clusteragent.testsupport.TestEnvironment;
import io.clusteragent.testsupport.WithTestEnvironment;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.context.properties.ConfigurationPropertiesBindHandlerAdvisor;
import org.springframework.boot.context.properties.bind.AbstractBindHandler;
import org.springframework.boot.context.properties.bind.BindContext;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.origin.Origin;
import org.springframework.boot.origin.PropertySourceOrigin;
import org.springframework.boot.origin.SystemEnvironmentOrigin;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The chart and the agent agree on the environment: every variable deploy/helm/ankra-agent's
 * Deployment sets is bound by one of the agent's settings records. The chart is rendered by the
 * real helm with every conditional variable switched on, and the real application configuration is
 * started with exactly that environment (as in SettingsBindingTest) while each bound property's
 * origin is recorded, so a variable the chart renames or the agent stops reading fails here.
 */
@WithTestEnvironment
class ChartEnvironmentBindingTest {

  /**
   * Variables the Deployment sets that no settings record binds, each read elsewhere: HOME by the
   * JVM and the helm child processes (where they keep cache and config), POD_NAME and POD_NAMESPACE
   * from the Environment directly (the agent's identity, its Events' Deployment, where release
   * Leases and stack state live).
   */
  private static final Set<String> READ_OUTSIDE_SETTINGS =
      Set.of("HOME", "POD_NAME", "POD_NAMESPACE");

  @Test
  void everyVariableTheChartSetsIsBoundByTheAgent(TestEnvironment env) {
    Map<String, String> chartEnv = renderedEnvironment(env);
    assertThat(chartEnv).containsKeys("AGENT_ANKRA_URL", "AGENT_DYNAMIC_API_DISCOVERY_ENABLED");

    Map<String, String> boundBy = boundEnvironmentVariables(chartEnv);

    assertThat(chartEnv.keySet())
        .filteredOn(name -> !READ_OUTSIDE_SETTINGS.contains(name))
        .as("variables the chart sets; bound: %s", boundBy)
        .allSatisfy(name -> assertThat(boundBy).containsKey(name));
    assertThat(boundBy)
        .containsEntry("AGENT_READ_WORKER_COUNT", "agent.read-worker-count")
        .containsEntry("AGENT_K8S_WATCH_BATCH_SIZE", "agent.k8s-watch.batch-size");
    assertThat(chartEnv.keySet()).containsAll(READ_OUTSIDE_SETTINGS);
  }

  /**
   * The container env of the rendered Deployment, name to value; downward-API entries get a
   * stand-in value, as the kubelet would fill them in.
   */
  private static Map<String, String> renderedEnvironment(TestEnvironment env) {
    String manifest =
        env.helm(
                "template",
                "ankra-agent",
                env.repoRoot().resolve("deploy/helm/ankra-agent").toString(),
                "--namespace",
                "ankra",
                "--show-only",
                "templates/deployment.yaml",
                "--set",
                "config.token=t",
                "--set",
                "k8s_watch.dynamic_discovery=true")
            .assertSuccess()
            .stdout();
    Map<String, Object> deployment =
        new Yaml(new SafeConstructor(new LoaderOptions())).load(manifest);
    Map<String, String> variables = new LinkedHashMap<>();
    for (Map<String, Object> entry : containerEnv(deployment)) {
      Object value = entry.get("value");
      variables.put(
          (String) entry.get("name"), value == null ? "from-the-kubelet" : (String) value);
    }
    return variables;
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> containerEnv(Map<String, Object> deployment) {
    Map<String, Object> spec = (Map<String, Object>) deployment.get("spec");
    Map<String, Object> template = (Map<String, Object>) spec.get("template");
    Map<String, Object> podSpec = (Map<String, Object>) template.get("spec");
    List<Map<String, Object>> containers = (List<Map<String, Object>>) podSpec.get("containers");
    return (List<Map<String, Object>>) containers.getFirst().get("env");
  }

  /**
   * The environment variable a bound value came from, or null: Spring reports the process
   * environment as a property-source origin, the documented extra_env names as
   * SystemEnvironmentOrigin.
   */
  private static String variableName(Origin origin) {
    for (Origin o = origin; o != null; o = o.getParent()) {
      if (o instanceof SystemEnvironmentOrigin environment) {
        return environment.getProperty();
      }
      if (o instanceof PropertySourceOrigin source
          && StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME.equals(
              source.getPropertySource().getName())) {
        return source.getPropertyName();
      }
    }
    return null;
  }

  /** Environment variable to the settings property it was bound to, for one start of the agent. */
  private static Map<String, String> boundEnvironmentVariables(Map<String, String> variables) {
    Map<String, String> boundBy = new ConcurrentHashMap<>();
    ConfigurationPropertiesBindHandlerAdvisor recordOrigins =
        parent ->
            new AbstractBindHandler(parent) {
              @Override
              public Object onSuccess(
                  ConfigurationPropertyName name,
                  Bindable<?> target,
                  BindContext context,
                  Object result) {
                ConfigurationProperty property = context.getConfigurationProperty();
                String variable = property == null ? null : variableName(Origin.from(property));
                if (variable != null) {
                  boundBy.put(variable, property.getName().toString());
                }
                return super.onSuccess(name, target, context, result);
              }
            };

    StandardEnvironment environment = new StandardEnvironment();
    Map<String, Object> full = new HashMap<>(variables);
    full.put("SERVER_PORT", "0");
    environment
        .getPropertySources()
        .replace(
            StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
            new SystemEnvironmentPropertySource(
                StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, full));
    SpringApplication app = new SpringApplication(AgentApplication.class);
    app.setEnvironment(environment);
    app.setWebApplicationType(WebApplicationType.NONE);
    app.addInitializers(context ->
        ((GenericApplicationContext) context)
            .getBeanFactory()
            .registerSingleton("recordSettingsOrigins", recordOrigins));
    // the settings records are bound during start-up; the running context is not needed after
    app.run().close();
    return new TreeMap<>(boundBy);
  }
}
