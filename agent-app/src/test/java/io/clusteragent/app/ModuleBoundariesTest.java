package io.clusteragent.app;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The design card's module rules, enforced on the compiled classes of every module. */
class ModuleBoundariesTest {

  private static final String CORE = "io.clusteragent.core..";
  private static final String NATS = "io.clusteragent.natsbridge..";
  private static final String PROXY = "io.clusteragent.proxy..";
  private static final String HELM = "io.clusteragent.helm..";
  private static final String APP = "io.clusteragent.app..";

  private final JavaClasses classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("io.clusteragent");

  @Test
  void coreDependsOnNoOtherAgentModule() {
    noClasses().that().resideInAPackage(CORE).should().dependOnClassesThat().resideInAnyPackage(NATS, PROXY, HELM, APP).check(classes);
  }

  @Test
  void featureModulesDependOnCoreOnly() {
    noClasses().that().resideInAPackage(NATS).should().dependOnClassesThat().resideInAnyPackage(PROXY, HELM, APP).check(classes);
    noClasses().that().resideInAPackage(PROXY).should().dependOnClassesThat().resideInAnyPackage(NATS, HELM, APP).allowEmptyShould(true).check(classes);
    noClasses().that().resideInAPackage(HELM).should().dependOnClassesThat().resideInAnyPackage(NATS, PROXY, APP).allowEmptyShould(true).check(classes);
  }
}
