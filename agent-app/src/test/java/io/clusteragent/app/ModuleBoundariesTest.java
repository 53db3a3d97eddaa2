package io.clusteragent.app;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackages;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.core.importer.Locations;
import com.tngtech.archunit.lang.ArchRule;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The design card's module rules, enforced on the compiled main and test classes of every module
 * they name. Every rule must match classes ({@code allowEmptyShould(false)}) and every module must
 * show up with main and test classes, so renaming a package fails here instead of leaving a rule
 * that passes because it checks nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ModuleBoundariesTest {

  /** A module under these rules: its directory and the package all its classes live in. */
  record Module(String directory, String packages) {}

  private static final Module PROTOCOL = new Module("agent-protocol", "io.clusteragent.protocol..");
  private static final Module CORE = new Module("agent-core", "io.clusteragent.core..");
  private static final Module CLI = new Module("agent-cli", "io.clusteragent.cli..");
  private static final Module NATS = new Module("agent-natsbridge", "io.clusteragent.natsbridge..");
  private static final Module PROXY = new Module("agent-proxy", "io.clusteragent.proxy..");
  private static final Module HELM = new Module("agent-helm", "io.clusteragent.helm..");
  private static final Module APP = new Module("agent-app", "io.clusteragent.app..");

  private static final List<Module> MODULES = List.of(PROTOCOL, CORE, CLI, NATS, PROXY, HELM, APP);

  private static final String AGENT = "io.clusteragent..";
  private static final String SPRING = "org.springframework..";
  private static final String JNATS = "io.nats..";
  private static final String KUBERNETES_CLIENT = "io.kubernetes..";

  /** Imported once for all rules: the classpath and the sibling modules' test output. */
  private final JavaClasses classes = importMainAndTestClasses();

  @Test
  void eachRulesPackageHoldsMainAndTestClasses() {
    for (Module module : MODULES) {
      List<JavaClass> inModule =
          classes.stream().filter(resideInAPackage(module.packages())::test).toList();
      assertThat(inModule)
          .as(
              "main classes of %s in %s (was the package renamed?)",
              module.directory(), module.packages())
          .anyMatch(c -> !isTestClass(c));
      assertThat(inModule)
          .as(
              "test classes of %s in %s (was the package renamed?)",
              module.directory(), module.packages())
          .anyMatch(ModuleBoundariesTest::isTestClass);
    }
  }

  @Test
  void coreDependsOnNoFeatureModule() {
    check(
        noClasses()
            .that()
            .resideInAPackage(CORE.packages())
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                NATS.packages(),
                PROXY.packages(),
                HELM.packages(),
                CLI.packages(),
                APP.packages()));
  }

  @Test
  void protocolDependsOnNoOtherAgentModule() {
    check(
        noClasses()
            .that()
            .resideInAPackage(PROTOCOL.packages())
            .should()
            .dependOnClassesThat(
                resideInAPackage(AGENT).and(resideOutsideOfPackages(PROTOCOL.packages()))));
  }

  @Test
  void protocolNeedsNoSpringNatsOrKubernetesClient() {
    check(
        noClasses()
            .that()
            .resideInAPackage(PROTOCOL.packages())
            .should()
            .dependOnClassesThat(resideInAnyPackage(SPRING, JNATS, KUBERNETES_CLIENT)));
  }

  @Test
  void featureModulesDependOnNoOtherFeatureModule() {
    check(
        noClasses()
            .that()
            .resideInAPackage(NATS.packages())
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(PROXY.packages(), HELM.packages(), APP.packages()));
    check(
        noClasses()
            .that()
            .resideInAPackage(PROXY.packages())
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(NATS.packages(), HELM.packages(), APP.packages()));
    check(
        noClasses()
            .that()
            .resideInAPackage(HELM.packages())
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(NATS.packages(), PROXY.packages(), APP.packages()));
  }

  @Test
  void cliDependsOnNoAgentModuleButProtocol() {
    check(
        noClasses()
            .that()
            .resideInAPackage(CLI.packages())
            .should()
            .dependOnClassesThat(
                resideInAPackage(AGENT)
                    .and(resideOutsideOfPackages(CLI.packages(), PROTOCOL.packages()))));
  }

  @Test
  void cliNeedsNoSpring() {
    check(
        noClasses()
            .that()
            .resideInAPackage(CLI.packages())
            .should()
            .dependOnClassesThat(resideInAPackage(SPRING)));
  }

  /** Fails on an empty rule whatever archunit.properties says. */
  private void check(ArchRule rule) {
    rule.allowEmptyShould(false).check(classes);
  }

  private static boolean isTestClass(JavaClass javaClass) {
    return javaClass
        .getSource()
        .map(source -> source.getUri().toString().contains("/test-classes/"))
        .orElse(false);
  }

  /**
   * The classpath brings every module's main classes and agent-app's tests; the other modules'
   * tests are not on it, so their {@code target/test-classes} are imported directly. A reactor
   * build ({@code -pl agent-app -am}) compiles them before this test runs.
   */
  private static JavaClasses importMainAndTestClasses() {
    Set<Location> locations = new HashSet<>(Locations.ofPackage("io.clusteragent"));
    Path root = Path.of(System.getProperty("basedir", "")).toAbsolutePath().getParent();
    for (Module module : MODULES) {
      if (module == APP) {
        continue;
      }
      Path testClasses = root.resolve(module.directory()).resolve("target").resolve("test-classes");
      assertThat(testClasses)
          .as(
              "%s's compiled tests; build with -am (./mvnw -pl agent-app -am test) so they exist",
              module.directory())
          .isDirectory();
      locations.add(Location.of(testClasses));
    }
    return new ClassFileImporter().importLocations(locations);
  }
}
