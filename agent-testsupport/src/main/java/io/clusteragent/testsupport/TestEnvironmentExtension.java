package io.clusteragent.testsupport;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Starts the local test environment once per test JVM ({@code bin/testenv up --fresh --dir
 * <module>/target/testenv}) and stops it ({@code bin/testenv down}) when the JUnit root context
 * closes. Resolves {@link TestEnvironment} parameters. Use it through {@link WithTestEnvironment}.
 *
 * <p>System properties: {@code testenv.dir} (state/log directory, default {@code target/testenv}
 * under the working directory), {@code testenv.keep=true} (leave the processes running after the
 * tests).
 */
public class TestEnvironmentExtension implements BeforeAllCallback, ParameterResolver {

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(TestEnvironmentExtension.class);

  @Override
  public void beforeAll(ExtensionContext context) {
    environment(context);
  }

  @Override
  public boolean supportsParameter(
      ParameterContext parameterContext, ExtensionContext extensionContext)
      throws ParameterResolutionException {
    return parameterContext.getParameter().getType() == TestEnvironment.class;
  }

  @Override
  public Object resolveParameter(
      ParameterContext parameterContext, ExtensionContext extensionContext)
      throws ParameterResolutionException {
    return environment(extensionContext);
  }

  /** The environment of this test JVM, starting it on first use. */
  @SuppressWarnings("deprecation") // getOrComputeIfAbsent: available in JUnit 5 and 6
  public static TestEnvironment environment(ExtensionContext context) {
    ExtensionContext.Store store = context.getRoot().getStore(NAMESPACE);
    return store.getOrComputeIfAbsent(
        TestEnvironment.class, key -> TestEnvironment.startShared(), TestEnvironment.class);
  }
}
