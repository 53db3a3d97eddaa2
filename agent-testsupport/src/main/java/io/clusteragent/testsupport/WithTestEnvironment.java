package io.clusteragent.testsupport;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs the annotated test class against the real local test environment (kube-apiserver, etcd,
 * controller-manager, scheduler, kwok nodes, nats-server, OCI registry, helm, kubectl) started once
 * per test JVM by {@link TestEnvironmentExtension}. Test methods, constructors and lifecycle
 * methods may declare a {@link TestEnvironment} parameter; {@link TestEnvironment#get()} works too
 * once the extension ran.
 */
@Target({ElementType.TYPE, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(TestEnvironmentExtension.class)
public @interface WithTestEnvironment {}
