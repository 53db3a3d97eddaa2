package io.clusteragent.helm;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Release management settings: {@code agent.reconcile.auto-heal-enabled}, set by the documented
 * {@code extra_env} knob {@code RECONCILE_AUTO_HEAL_ENABLED} (mapped in {@link
 * io.clusteragent.core.settings.DocumentedEnvironment}).
 *
 * <p>Accepted, no effect yet: auto-heal of releases stuck mid-operation is not built. It is bound
 * (and a value other than true/false refused at start) so an install that sets it keeps starting,
 * and so the feature finds its setting here when it lands.
 */
@ConfigurationProperties("agent.reconcile")
@Validated
public record ReleaseSettings(@DefaultValue("true") boolean autoHealEnabled) {}
