package io.clusteragent.app.metrics;

import com.sun.management.OperatingSystemMXBean;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.lang.management.ManagementFactory;
import org.springframework.stereotype.Component;

/**
 * The memory the kernel counts against the agent's container and that container's limit, as the
 * JVM's container support reads them from the cgroup: {@code agent_memory_limit_bytes} is the limit
 * ({@code resources.limits.memory}; the machine's memory when there is none) and {@code
 * agent_memory_used_bytes} the cgroup's usage, which unlike {@code jvm_memory_*} includes the helm
 * processes the agent runs and the page cache. The OOM killer acts on the cgroup, not the heap, so
 * this pair is what an alert on "near the limit" needs.
 */
@Component
final class ContainerMemoryMeters implements MeterBinder {

  private final OperatingSystemMXBean os =
      (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  @Override
  public void bindTo(MeterRegistry registry) {
    Gauge.builder("agent.memory.limit", os, OperatingSystemMXBean::getTotalMemorySize)
        .description("Memory limit of the agent's container (the machine's memory without one)")
        .baseUnit("bytes")
        .register(registry);
    Gauge.builder(
            "agent.memory.used",
            os,
            bean -> Math.max(0, bean.getTotalMemorySize() - bean.getFreeMemorySize()))
        .description("Memory the agent's container uses against that limit, page cache included")
        .baseUnit("bytes")
        .register(registry);
  }
}
